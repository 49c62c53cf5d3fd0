from django.urls import path

from coop.eventlog import views

urlpatterns = [
    path("coops/<slug:slug>/audit/", views.audit, name="audit"),
    path("coops/<slug:slug>/audit/<int:position>/", views.event_detail, name="event"),
]
