from django.urls import path

from coop.eventlog import api

urlpatterns = [
    path("eventlog/events/", api.EventFeedApi.as_view(), name="feed"),
    path("eventlog/events/<int:position>/", api.EventDetailApi.as_view(), name="event"),
    path("eventlog/checkpoints/", api.CheckpointListApi.as_view(), name="checkpoints"),
    path("eventlog/checkpoints/latest/", api.CheckpointLatestApi.as_view(), name="checkpoint_latest"),
    path("eventlog/proofs/inclusion/", api.InclusionProofApi.as_view(), name="inclusion_proof"),
    path("eventlog/proofs/consistency/", api.ConsistencyProofApi.as_view(), name="consistency_proof"),
]
