from django.urls import path

from coop.forums import views

urlpatterns = [
    path("forums/", views.rooms, name="rooms"),
    path("forums/new/", views.room_new, name="room_new"),
    path("forums/rooms/<int:room_id>/", views.room, name="room"),
    path("forums/rooms/<int:room_id>/post/", views.post, name="post"),
    path("forums/messages/<int:message_id>/edit/", views.edit, name="edit"),
    path("forums/messages/<int:message_id>/hide/", views.hide, name="hide"),
    path("forums/messages/<int:message_id>/report/", views.report, name="report"),
    path("forums/about/<str:label>/<str:subject_id>/", views.subject_room, name="subject_room"),
]
