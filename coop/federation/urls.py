from django.urls import path

from coop.federation import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
    path("leave/", views.leave, name="leave"),
    path("coops/<slug:slug>/rulebook/", views.rulebook, name="rulebook"),
]
