from django.urls import path

from coop.forums import api

urlpatterns = [
    path("forums/rooms/", api.RoomListApi.as_view(), name="rooms"),
    path("forums/rooms/<int:room_id>/", api.RoomDetailApi.as_view(), name="room"),
    path("forums/rooms/<int:room_id>/messages/", api.RoomMessagesApi.as_view(), name="messages"),
    path("forums/rooms/<int:room_id>/read/", api.RoomReadApi.as_view(), name="read"),
    path("forums/messages/<int:message_id>/", api.MessageApi.as_view(), name="message"),
    path("forums/messages/<int:message_id>/hide/", api.MessageHideApi.as_view(), name="hide"),
    path("forums/messages/<int:message_id>/report/", api.MessageReportApi.as_view(), name="report"),
]
