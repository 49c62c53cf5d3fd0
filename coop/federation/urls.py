from django.urls import path

from coop.federation import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("apply/", views.apply, name="apply"),
    path("leave/", views.leave, name="leave"),
    path("coops/<slug:slug>/rulebook/", views.rulebook, name="rulebook"),
    path("steward/applications/", views.steward_applications, name="steward_applications"),
    path("steward/members/", views.steward_members, name="steward_members"),
    path("steward/support/", views.steward_support, name="steward_support"),
    path("steward/memberships/<int:pk>/admit/", views.steward_admit, name="steward_admit"),
    path("steward/memberships/<int:pk>/decline/", views.steward_decline, name="steward_decline"),
    path("steward/memberships/<int:pk>/suspend/", views.steward_suspend, name="steward_suspend"),
    path("steward/memberships/<int:pk>/reinstate/", views.steward_reinstate, name="steward_reinstate"),
    path("steward/translate/", views.translate, name="translate"),
    path("steward/translate/catalogue.po", views.translate_export, name="translate_export"),
    path("operator/", views.operator_home, name="operator"),
]
