"""coop/core/management/commands/create_coop.py: `manage.py create_coop` runs the operator's
services (coop, rulebook v1, founding stewards, their events) or changes nothing."""

import pytest
from django.core.management import CommandError, call_command

from coop.eventlog.models import Event
from coop.federation.models import Coop, Membership
from tests.factories import FederationFactory, UserFactory, operator

pytestmark = pytest.mark.django_db


def test_create_coop_command(capsys):
    FederationFactory()
    operator()
    founder = UserFactory(email="founder@example.org")
    call_command("create_coop", "--name", "Coop Durban", "--slug", "durban", "--country", "ZA",
                 "--steward", "founder@example.org")
    assert "Created coop Coop Durban" in capsys.readouterr().out
    assert Membership.objects.get(user=founder).is_steward
    assert Coop.objects.get(slug="durban").rulebooks.count() == 1


def test_create_coop_command_with_unknown_steward_changes_nothing():
    FederationFactory()
    operator()
    with pytest.raises(CommandError, match="unknown_user"):
        call_command("create_coop", "--name", "Coop Durban", "--slug", "durban", "--steward", "ghost@example.org")
    assert not Coop.objects.filter(slug="durban").exists()


def test_create_coop_command_needs_an_operator():
    FederationFactory()
    with pytest.raises(CommandError, match="No federation operator"):
        call_command("create_coop", "--name", "Coop Durban", "--slug", "durban")
    assert not Coop.objects.exists()


def test_create_coop_command_with_a_named_operator_who_is_not_staff_is_refused():
    FederationFactory()
    UserFactory(email="plain@example.org")
    with pytest.raises(CommandError, match="No federation operator"):
        call_command("create_coop", "--name", "Coop Durban", "--slug", "durban", "--operator", "Plain@Example.org")
    assert not Event.objects.filter(type="coop.created").exists()
