from django.urls import path

from tasks.quality import views

urlpatterns = [
    path("requester/quality/<int:pk>/aggregation/", views.aggregation, name="aggregation"),
    path("requester/quality/<int:pk>/aggregation/run/", views.aggregation_start, name="aggregation_start"),
    path("requester/quality/<int:pk>/aggregation/<int:run_id>.csv", views.aggregation_csv, name="aggregation_csv"),
    path("requester/quality/<int:pk>/aggregation/<int:run_id>.json", views.aggregation_json,
         name="aggregation_json"),
    path("requester/quality/<int:pk>/gold/", views.gold, name="gold"),
    path("requester/quality/<int:pk>/review/", views.review_assist, name="review"),
    path("work/agreement/", views.my_agreement, name="mine"),
    path("steward/agreement/", views.steward_agreement, name="steward"),
]
