from django.urls import path

from tasks.appeals import views

urlpatterns = [
    path("appeals/", views.mine, name="mine"),
    path("appeals/new/<int:assignment_id>/", views.file_rejection, name="file"),
    path("appeals/new/revocation/<int:revocation_id>/", views.file_revocation, name="file_revocation"),
    path("appeals/new/sanction/", views.file_sanction, name="file_sanction"),
    path("appeals/<int:pk>/", views.detail, name="detail"),
    path("appeals/<int:pk>/jury/", views.jury, name="jury"),
    path("appeals/<int:pk>/draw/", views.draw_explained, name="draw"),
    path("appeals/steward/", views.steward, name="steward"),
    path("appeals/steward/act/", views.steward_act, name="steward_act"),
    path("appeals/projects/<int:project_id>/flag/", views.flag, name="flag"),
    path("appeals/projects/<int:project_id>/review/", views.review, name="review"),
    path("requesters/<slug:slug>/record/", views.record, name="record"),
]
