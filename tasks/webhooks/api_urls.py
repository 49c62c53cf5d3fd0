from django.urls import path

from tasks.webhooks import api

urlpatterns = [
    path("requester/webhooks/", api.SubscriptionListApi.as_view(), name="webhooks"),
    path("requester/webhooks/<int:pk>/", api.SubscriptionDetailApi.as_view(), name="webhook"),
    path("requester/webhooks/<int:pk>/rotate-secret/", api.SubscriptionRotateApi.as_view(), name="webhook_rotate"),
    path("requester/webhooks/<int:pk>/deliveries/", api.DeliveryListApi.as_view(), name="webhook_deliveries"),
    path("requester/webhook-deliveries/<int:pk>/replay/", api.DeliveryReplayApi.as_view(), name="delivery_replay"),
]
