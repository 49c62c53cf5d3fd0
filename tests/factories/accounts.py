"""Requester factories. `organisation()` gives a ready requester: an owner, the current
terms accepted (terms v1 is published if none is), not suspended."""

import factory
from django.db.models import Max

from accounts.models import Organisation, OrganisationStaff, TermsAcceptance, TermsVersion
from tests.factories.federation import UserFactory

__all__ = ["OrganisationFactory", "OrganisationStaffFactory", "TermsVersionFactory", "organisation",
           "terms_current", "TERMS_TEXT"]

TERMS_TEXT = "Requesters pay at least the floor rate, never ask for personal data, and accept juries."


class TermsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermsVersion

    number = factory.LazyFunction(lambda: (TermsVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1)
    text = TERMS_TEXT


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Lab {n}")
    slug = factory.Sequence(lambda n: f"lab-{n}")
    country = "FR"
    contact_email = factory.Sequence(lambda n: f"contact{n}@lab.example")


class OrganisationStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationStaff

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganisationStaff.Role.STAFF


def terms_current():
    """The latest terms version, published if there is none."""
    return TermsVersion.objects.order_by("-number").first() or TermsVersionFactory()


def organisation(*, owner=None, terms=True, **kwargs):
    """A requester organisation with an owner (`org.owner`), the latest terms accepted unless
    `terms=False`."""
    org = OrganisationFactory(**kwargs)
    owner = owner or UserFactory()
    OrganisationStaff.objects.create(organisation=org, user=owner, role=OrganisationStaff.Role.OWNER)
    if terms:
        TermsAcceptance.objects.create(organisation=org, version=terms_current(), accepted_by=owner)
    org.owner = owner
    return org
