"""What the governance services share: a proposal's page link and the users to notify."""

from django.urls import reverse

from accounts.models import User


def _link(proposal):
    return reverse("governance:proposal", args=[proposal.pk])


def _users(ids):
    return User.objects.filter(pk__in=ids).select_related("profile")
