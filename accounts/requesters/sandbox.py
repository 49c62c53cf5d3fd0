"""An organisation's sandbox (issue 20; docs/sandbox.md): the same pages and APIs, with test
money, seen by nobody but the organisation's own staff.

The sandbox is a world of its own, made of ordinary rows flagged once and for all:
- a **twin organisation** (`Organisation.sandbox_of` = the real one) that owns the sandbox's
  projects, HITs, API keys and test balance;
- a **sandbox coop** (`Coop.sandbox_of` = the real organisation) with the default rulebook,
  which takes no applications and is listed nowhere;
- for each staff member who enters, a **persona** (`User.sandbox_of` = the person): an active
  steward of the sandbox coop and staff of the twin with the person's role. The person acts
  as their persona (the session switches) and does the work as a member would.

So every balance of the sandbox (the twin's, the personas' wallets, the sandbox coop's
treasury and funds, its projects' escrows) is another ledger account than any real one; the
two accounts every coop shares (the federation fee, the outside world) have sandbox twins
(`ledger.posting`). Test money comes from the sandbox's outside world only."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MemberProfile, Organisation, OrganisationStaff, User
from coop.core.errors import DomainError, Forbidden
from coop.eventlog.services import event_record
from coop.federation import rulebook as spec
from coop.federation.access import requester_staff_require
from coop.federation.models import Coop, Federation, Membership
from coop.federation.services import DEFAULT_ARTICLES, rulebook_version_create


@dataclass(frozen=True)
class Sandbox:
    organisation: Organisation  # the twin
    coop: Coop
    persona: User


def _twin(organisation):
    twin = Organisation.objects.filter(sandbox_of=organisation).first()
    if twin is None:
        twin = Organisation.objects.create(
            name=f"{organisation.name} (sandbox)"[:160], slug=f"sandbox-{organisation.pk}",
            country=organisation.country,
            description=_("Sandbox: test money, seen only by this organisation's staff."), sandbox_of=organisation)
    return twin


def _coop(organisation, actor):
    coop = Coop.objects.filter(sandbox_of=organisation).first()
    if coop is None:
        federation = Federation.objects.order_by("pk").first()
        if federation is None:
            raise DomainError("no_federation", _("The federation is not set up yet."))
        coop = Coop.objects.create(federation=federation, name=f"Sandbox · {organisation.name}"[:120],
                                   slug=f"sandbox-{organisation.pk}", sandbox_of=organisation)
        rulebook_version_create(coop=coop, parameters=spec.default_parameters(), articles=DEFAULT_ARTICLES,
                                actor=actor, note="Sandbox rulebook (the defaults)")
    return coop


def _persona(actor, organisation, coop, twin, role):
    persona = User.objects.filter(sandbox_of=actor, memberships__coop=coop).first()
    if persona is None:
        persona = User.objects.create_user(email=f"sandbox-{actor.pk}-{organisation.pk}@sandbox.invalid",
                                           sandbox_of=actor, language=actor.language)  # no password: no log-in
        MemberProfile.objects.create(user=persona, display_name=f"{actor.display_name} (sandbox)"[:80])
        now = timezone.now()
        membership = Membership(user=persona, coop=coop, applied_at=now, joined_at=now, status_changed_at=now,
                                rulebook_version=1)
        membership.role = Membership.Role.STEWARD  # a steward too, to try the stewards' pages and juries
        membership.status = Membership.Status.ACTIVE
        membership.save()
    OrganisationStaff.objects.update_or_create(organisation=twin, user=persona, defaults={"role": role})
    return persona


@transaction.atomic
def sandbox_open(*, actor: User, organisation) -> Sandbox:
    """The organisation's sandbox with the actor's persona in it, made on first use (again:
    the same one). Only the organisation's staff; never from inside a sandbox."""
    if getattr(actor, "sandbox_of_id", None) is not None or organisation.sandbox_of_id is not None:
        raise Forbidden("in_sandbox", _("You are in the sandbox already."))
    requester_staff_require(actor, organisation_id=organisation.pk)
    role = OrganisationStaff.objects.get(organisation=organisation, user=actor).role
    try:
        with transaction.atomic():
            created = not Coop.objects.filter(sandbox_of=organisation).exists()
            twin = _twin(organisation)
            coop = _coop(organisation, actor)
            persona = _persona(actor, organisation, coop, twin, role)
    except IntegrityError:  # a twin request made them first: read them
        twin = Organisation.objects.get(sandbox_of=organisation)
        coop = Coop.objects.get(sandbox_of=organisation)
        persona = User.objects.get(sandbox_of=actor, memberships__coop=coop)
        created = False
    if created:
        event_record(type="sandbox.opened", coop=coop, actor=actor, subject=organisation,
                     payload={"organisation": organisation.pk, "sandbox": twin.pk, "coop": coop.pk})
    return Sandbox(organisation=twin, coop=coop, persona=persona)


def persona_owner(*, persona: User, user_id):
    """The person a persona belongs to (checked against the id the session kept), or None."""
    if persona.sandbox_of_id is None or persona.sandbox_of_id != user_id:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
