from django.urls import path

from tasks.quality import api

urlpatterns = [
    path("projects/<int:pk>/aggregation/", api.AggregationApi.as_view(), name="aggregation"),
    path("projects/<int:pk>/gold/", api.GoldListApi.as_view(), name="gold"),
]
