from django.urls import path

from coop.forums.consumers import ForumConsumer

websocket_urlpatterns = [
    path("ws/forums/", ForumConsumer.as_asgi()),
]
