from django.urls import path

from coop.governance import api

urlpatterns = [
    path("governance/proposals/", api.ProposalListCreateApi.as_view(), name="proposals"),
    path("governance/proposals/<int:pk>/", api.ProposalDetailApi.as_view(), name="proposal"),
    path("governance/proposals/<int:pk>/submit/", api.ProposalSubmitApi.as_view(), name="proposal_submit"),
    path("governance/proposals/<int:pk>/withdraw/", api.ProposalWithdrawApi.as_view(), name="proposal_withdraw"),
    path("governance/proposals/<int:pk>/ballot/", api.BallotCastApi.as_view(), name="ballot_cast"),
]
