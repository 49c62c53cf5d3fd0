from django.urls import path

from tasks.mturk import api, views

urlpatterns = [
    path("", api.MturkApi.as_view(), name="api"),
    path("externalSubmit", views.external_submit, name="external_submit"),
    path("frame/<int:pk>/", views.frame, name="frame"),
]
