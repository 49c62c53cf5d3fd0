from django.urls import path

from tasks.appeals import api

urlpatterns = [
    path("appeals/", api.AppealListApi.as_view(), name="appeals"),
    path("appeals/<int:pk>/", api.AppealDetailApi.as_view(), name="appeal"),
    path("appeals/<int:pk>/answer/", api.AppealAnswerApi.as_view(), name="appeal-answer"),
    path("appeals/<int:pk>/accept/", api.SeatAcceptApi.as_view(), name="appeal-accept"),
    path("appeals/<int:pk>/decline/", api.SeatDeclineApi.as_view(), name="appeal-decline"),
    path("appeals/<int:pk>/vote/", api.SeatVoteApi.as_view(), name="appeal-vote"),
    path("requesters/<slug:slug>/scorecard/", api.ScorecardApi.as_view(), name="scorecard"),
    path("projects/<int:pk>/flags/", api.ProjectFlagApi.as_view(), name="project-flag"),
]
