from django.urls import path

from tasks.webhooks import views

urlpatterns = [
    path("requester/webhooks/", views.subscription_list, name="list"),
    path("requester/webhooks/new/", views.subscription_create, name="create"),
    path("requester/webhooks/<int:pk>/", views.subscription_detail, name="detail"),
    path("requester/webhooks/<int:pk>/edit/", views.subscription_edit, name="edit"),
    path("requester/webhooks/<int:pk>/secret/", views.subscription_rotate, name="rotate"),
    path("requester/webhooks/<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("requester/webhooks/deliveries/<int:pk>/replay/", views.delivery_replay, name="replay"),
]
