from django.urls import path

from tasks.qualifications import views

urlpatterns = [
    path("qualifications/", views.mine, name="mine"),
    path("qualifications/manage/", views.manage, name="manage"),
    path("qualifications/<int:pk>/", views.detail, name="detail"),
    path("qualifications/<int:pk>/versions/", views.version_publish, name="version_publish"),
    path("qualifications/<int:pk>/grants/", views.grant, name="grant"),
    path("qualifications/tests/new/", views.test_create, name="test_create"),
    path("qualifications/tests/<int:pk>/", views.test_page, name="test"),
    path("qualifications/tests/<int:pk>/fund/", views.test_fund, name="test_fund"),
    path("qualifications/tests/<int:pk>/start/", views.attempt_start, name="attempt_start"),
    path("qualifications/attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("qualifications/projects/<int:pk>/", views.project_requirements, name="project_requirements"),
]
