from django.urls import path

from tasks.mturk import api, views

urlpatterns = [
    path("", api.MturkApi.as_view(), name="api"),
    path("sandbox/", api.MturkSandboxApi.as_view(), name="sandbox_api"),
    path("externalSubmit", views.external_submit, name="external_submit"),
    path("frame/<int:pk>/", views.frame, name="frame"),
    path("settings/", views.defaults, name="settings"),
]
