from django.urls import path

from coop.federation import api

urlpatterns = [
    path("me/membership/", api.MembershipMeApi.as_view(), name="membership_me"),
    path("coops/", api.CoopListApi.as_view(), name="coops"),
    path("coops/<slug:slug>/rulebook/", api.CoopRulebookApi.as_view(), name="coop_rulebook"),
]
