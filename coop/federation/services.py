"""The use cases of coops, memberships and rulebooks. Each records its event. Personal data
is erased through `coop.federation.datarights` (accounts' erasure calls it)."""

import re
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notices_resolve, notify
from coop.core.errors import DomainError, Forbidden, NotFound
from coop.eventlog.services import event_record
from coop.federation import rulebook as spec
from coop.federation.access import access_changed, operator_require, steward_require, stewards_of
from coop.federation.errors import AlreadyMember, InvalidTransition, ReasonRequired
from coop.federation.locks import coop_for_update, membership_for_update
from coop.federation.models import Article, Coop, Federation, Membership, RulebookVersion
from coop.federation.selectors import federation_bounds, rulebook_in_force

MIN_REASON = 10

DEFAULT_ARTICLES = [
    (1, "Membership", "Every member has one vote. Members take work, appeal unfair decisions and vote on these "
     "rules. Stewards are elected by the members and answer to them."),
    (2, "Conduct", "Members treat each other, requesters and stewards with respect. Harassment, threats and "
     "discrimination are not tolerated, here or in the forums."),
    (3, "Honest work", "Members submit their own work, done in good faith. Submitting random, copied or "
     "machine-generated answers where a person's judgement is asked is a breach of this article."),
    (4, "Sanctions", "A steward may suspend a member only by citing the article breached and writing the reason. "
     "The member sees both at once and may appeal within the appeal window."),
    (5, "Rejections", "A requester who rejects work must choose a published reason and explain it. The money stays "
     "in escrow until the appeal window closes or a jury of members decides."),
    (6, "Pay", "No work is published below the floor hourly rate the members voted. Payments go to the member's "
     "wallet, which they may withdraw with the methods the coop offers."),
]


def _reason(text):
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise ReasonRequired()
    return text


@transaction.atomic
def federation_setup(*, name: str, currency: str, bounds: dict | None = None) -> Federation:
    """Create the federation and its rulebook version 1 (idempotent). `bounds` replaces some of
    the installation's default bounds (the market simulator's MTurk-like federation)."""
    federation = Federation.objects.order_by("pk").first()
    if federation is None:
        federation = Federation.objects.create(name=name, currency=currency)
        event_record(type="federation.created", subject=federation, payload={"currency": currency})
    if not RulebookVersion.objects.filter(coop__isnull=True).exists():
        version = RulebookVersion.objects.create(coop=None, number=1,
                                                 parameters={**spec.default_federation_bounds(), **(bounds or {})},
                                                 note="Federation rulebook at installation")
        event_record(type="rulebook.adopted", subject=version, payload={"version": 1, "coop": None})
    return federation


@transaction.atomic
def coop_create(*, operator: User, name: str, slug: str, country: str = "", description: str = "",
                stewards: Iterable[User] = (), parameters: dict | None = None,
                articles: list[tuple[int, str, str]] | None = None) -> Coop:
    """The federation operator creates a coop with rulebook v1 and its founding stewards."""
    operator_require(operator, error=Forbidden("operator_only", _("Only the federation operator creates coops.")))
    # A fresh installation has no federation yet: the first coop sets it up from the settings.
    federation = federation_setup(name=settings.FEDERATION_NAME, currency=settings.FEDERATION_CURRENCY)
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    if not name or not slug:
        raise DomainError("name_required", _("A coop needs a name and a short name."))
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,49}", slug):
        raise DomainError("invalid_slug", _("The short name may use only lowercase letters, digits and hyphens."),
                          {"slug": slug})
    if Coop.objects.filter(slug=slug).exists():
        raise DomainError("slug_taken", _("A coop with this short name already exists."), {"slug": slug})
    coop = Coop.objects.create(federation=federation, name=name, slug=slug, country=(country or "").upper(),
                               description=description)
    event_record(type="coop.created", coop=coop, actor=operator, subject=coop, payload={"coop": coop.pk})
    params = spec.default_parameters()
    params.update(parameters or {})
    rulebook_version_create(coop=coop, parameters=params, articles=articles or DEFAULT_ARTICLES, actor=operator,
                            note="Founding rulebook")
    for user in stewards:
        steward_appoint(operator=operator, coop=coop, user=user)
    return coop


@transaction.atomic
def rulebook_version_create(*, coop: Coop, parameters: dict, articles: list[tuple[int, str, str]],
                            actor: User | None = None, note: str = "", proposal_id: int | None = None,
                            effective_at: datetime | None = None) -> RulebookVersion:
    """Create the coop's next rulebook version (immutable). Governance calls this on adoption.

    `articles` is a list of (number, title, body)."""
    spec.validate_parameters(parameters, federation_bounds())
    numbers = [a[0] for a in articles]
    if len(numbers) != len(set(numbers)):
        raise DomainError("duplicate_article", _("Two articles have the same number."))
    coop_for_update(coop.pk)  # serialise version numbers per coop
    last = RulebookVersion.objects.filter(coop=coop).order_by("-number").first()
    number = (last.number + 1) if last else 1
    version = RulebookVersion.objects.create(
        coop=coop, number=number, parameters=parameters, note=note, adopted_by_proposal_id=proposal_id,
        effective_at=effective_at or timezone.now(),
    )
    Article.objects.bulk_create(Article(rulebook=version, number=n, title=t, body=b) for n, t, b in articles)
    event_record(type="rulebook.adopted", coop=coop, actor=actor, subject=version,
                 payload={"version": number, "proposal": proposal_id})
    return version


@transaction.atomic
def steward_appoint(*, operator: User, coop: Coop, user: User) -> Membership:
    """The operator appoints a founding steward (later, governance elects them)."""
    operator_require(operator, error=Forbidden("operator_only",
                                               _("Only the federation operator appoints founding stewards.")))
    membership = membership_for_update(user=user, statuses=Membership.LIVE)
    if membership and membership.coop_id != coop.pk:
        raise AlreadyMember()
    now = timezone.now()
    if membership is None:
        membership = Membership(user=user, coop=coop, applied_at=now)
    membership.role = Membership.Role.STEWARD
    membership.status = Membership.Status.ACTIVE
    membership.joined_at = membership.joined_at or now
    membership.status_changed_at, membership.status_changed_by = now, operator
    membership.save()
    event_record(type="steward.appointed", coop=coop, actor=operator, subject=membership,
                 payload={"membership": membership.pk})
    return membership


@transaction.atomic
def membership_apply(*, user: User, coop: Coop, statement: str) -> Membership:
    statement = (statement or "").strip()
    if len(statement) < MIN_REASON:
        raise DomainError("statement_required", _("Tell the coop in a sentence or two why you want to join."))
    if Membership.objects.filter(user=user, status__in=Membership.LIVE).exists():
        raise AlreadyMember()
    if coop.sandbox_of_id is not None:
        raise DomainError("sandbox_coop", _("A sandbox coop takes no applications: only its organisation's staff "
                                            "work there, with test money."))
    membership = Membership.objects.create(user=user, coop=coop, statement=statement)
    event_record(type="membership.applied", coop=coop, actor=user, subject=membership,
                 payload={"membership": membership.pk})
    for steward in stewards_of(coop.pk):
        notify(user=steward, kind="application",
               message=gettext_noop("New application to %(coop)s."), params={"coop": coop.name},
               link=reverse("federation:steward_applications"), subject=application_subject(membership))
    return membership


def application_subject(membership: Membership) -> str:
    """What the stewards' notices about an application name; handling it resolves them."""
    return f"membership:{membership.pk}"


def _locked(membership):
    return membership_for_update(pk=membership.pk, statuses=(), related=("coop", "user"), must_exist=True)


@transaction.atomic
def membership_admit(*, steward: User, membership: Membership) -> Membership:
    membership = _locked(membership)
    steward_require(steward, coop_id=membership.coop_id)
    if membership.status != Membership.Status.APPLICANT:
        raise InvalidTransition()
    now = timezone.now()
    membership.status, membership.joined_at = Membership.Status.ACTIVE, now
    membership.status_changed_at, membership.status_changed_by, membership.status_reason = now, steward, ""
    membership.rulebook_version = rulebook_in_force(coop=membership.coop).version
    membership.save()
    event_record(type="membership.admitted", coop=membership.coop, actor=steward, subject=membership,
                 payload={"membership": membership.pk, "rulebook_version": membership.rulebook_version})
    notices_resolve(subject=application_subject(membership))
    notify(user=membership.user, kind="membership",
           message=gettext_noop("Welcome! You are now a member of %(coop)s."), params={"coop": membership.coop.name},
           link=reverse("federation:rulebook", args=[membership.coop.slug]))
    return membership


@transaction.atomic
def membership_decline(*, steward: User, membership: Membership, reason: str) -> Membership:
    reason = _reason(reason)
    membership = _locked(membership)
    steward_require(steward, coop_id=membership.coop_id)
    if membership.status != Membership.Status.APPLICANT:
        raise InvalidTransition()
    membership.status = Membership.Status.DECLINED
    membership.status_changed_at, membership.status_changed_by = timezone.now(), steward
    membership.status_reason = reason
    membership.save()
    event_record(type="membership.declined", coop=membership.coop, actor=steward, subject=membership,
                 payload={"membership": membership.pk})
    notices_resolve(subject=application_subject(membership))
    notify(user=membership.user, kind="membership",
           message=gettext_noop("Your application to %(coop)s was declined. Reason: %(reason)s"),
           params={"coop": membership.coop.name, "reason": reason},
           link=reverse("federation:dashboard"))
    return membership


@transaction.atomic
def membership_suspend(*, steward: User, membership: Membership, article_number: int, reason: str) -> Membership:
    """Suspend a member, citing an article of the rulebook in force and a written reason."""
    reason = _reason(reason)
    membership = _locked(membership)
    steward_require(steward, coop_id=membership.coop_id)
    if not membership.is_active:
        raise InvalidTransition()
    if membership.user_id == steward.pk:
        raise InvalidTransition("self_sanction", _("A steward cannot suspend themselves."))
    rulebook = rulebook_in_force(coop=membership.coop)
    article = next((a for a in rulebook.articles if a.number == _int(article_number)), None)
    if article is None:
        raise DomainError("unknown_article", _("Cite an article of the rulebook in force."),
                          {"article": article_number, "version": rulebook.version})
    membership.status = Membership.Status.SUSPENDED
    membership.status_changed_at, membership.status_changed_by = timezone.now(), steward
    membership.status_reason, membership.status_article = reason, article
    membership.rulebook_version = rulebook.version
    membership.save()
    event_record(type="membership.suspended", coop=membership.coop, actor=steward, subject=membership,
                 payload={"membership": membership.pk, "article": article.number, "rulebook_version": rulebook.version})
    access_changed(user_id=membership.user_id)
    notify(user=membership.user, kind="sanction",
           message=gettext_noop("Your membership was suspended under article %(n)s (%(title)s). Reason: %(reason)s"),
           params={"n": article.number, "title": article.title, "reason": reason},
           link=reverse("federation:rulebook", args=[membership.coop.slug]) + f"#article-{article.number}")
    return membership


@transaction.atomic
def membership_reinstate(*, steward: User, membership: Membership, reason: str) -> Membership:
    reason = _reason(reason)
    membership = _locked(membership)
    steward_require(steward, coop_id=membership.coop_id)
    if membership.status != Membership.Status.SUSPENDED:
        raise InvalidTransition()
    membership.status = Membership.Status.ACTIVE
    membership.status_changed_at, membership.status_changed_by = timezone.now(), steward
    membership.status_reason, membership.status_article = reason, None
    membership.save()
    event_record(type="membership.reinstated", coop=membership.coop, actor=steward, subject=membership,
                 payload={"membership": membership.pk})
    notify(user=membership.user, kind="membership",
           message=gettext_noop("Your membership is active again. Reason: %(reason)s"), params={"reason": reason},
           link=reverse("federation:dashboard"))
    return membership


@transaction.atomic
def membership_leave(*, user: User) -> Membership:
    membership = membership_for_update(user=user, statuses=Membership.LIVE, related=("coop",))
    if membership is None:
        raise NotFound("no_membership", _("You have no membership to leave."))
    membership.status = Membership.Status.LEFT
    membership.status_changed_at, membership.status_changed_by = timezone.now(), user
    membership.save()
    event_record(type="membership.left", coop=membership.coop, actor=user, subject=membership,
                 payload={"membership": membership.pk})
    access_changed(user_id=membership.user_id)
    notices_resolve(subject=application_subject(membership))  # a withdrawn application
    return membership


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def membership_reinstate_by_appeal(*, membership: Membership, appeal_id: int) -> Membership:
    """A jury of members overturned a suspension (the appeals issue): the membership is active
    again, with the appeal as the reason."""
    membership = _locked(membership)
    if membership.status != Membership.Status.SUSPENDED:
        raise InvalidTransition()
    membership.status = Membership.Status.ACTIVE
    membership.status_changed_at, membership.status_changed_by = timezone.now(), None
    membership.status_reason, membership.status_article = f"Suspension overturned on appeal {appeal_id}.", None
    membership.save()
    event_record(type="membership.reinstated", coop=membership.coop, subject=membership,
                 payload={"membership": membership.pk, "appeal": appeal_id})
    notify(user=membership.user, kind="membership",
           message=gettext_noop("A jury of members overturned your suspension."),
           link="/dashboard/")
    return membership


SUPPORT_CONTACT_MAX = 500


@transaction.atomic
def coop_support_contact_set(*, steward: User, coop: Coop, text: str) -> Coop:
    """A steward sets who members doing disturbing work can reach (a counsellor, a helpline, a
    steward on call: names, numbers, hours), shown on the pause screen, the exposure-limit notice
    and the members' support page. Empty clears it. The event says that it changed, not the text."""
    steward_require(steward, coop_id=coop.pk)
    text = (text or "").strip()
    if "\x00" in text or len(text) > SUPPORT_CONTACT_MAX:
        raise DomainError("invalid_support_contact", _("Write the support contact in %(n)s characters or fewer.")
                          % {"n": SUPPORT_CONTACT_MAX}, {"field": "support_contact"})
    coop = coop_for_update(coop.pk)
    coop.support_contact = text
    coop.save(update_fields=["support_contact"])
    event_record(type="coop.support_contact_set", coop=coop, actor=steward, subject=coop,
                 payload={"coop": coop.pk, "set": bool(text)})
    return coop
