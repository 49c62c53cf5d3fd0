"""Hardship applications to the solidarity fund (issue 23; docs/solidarity.md).

A member applies with a reason, a short statement and an amount. Up to the voted
`solidarity_steward_grant_max`, two different stewards grant it (four eyes, like payouts: the
first approval waits for a second steward, who pays). Above it, a steward puts it to a secret
members' vote (`coop.governance.services.hardship_vote_open`, a layer above, calls
`hardship_vote_prepare` then `hardship_vote_opened`); adoption pays it
(`hardship_grant_by_vote`), any other outcome refuses it (`hardship_refuse_by_vote`). One
steward may refuse an application, with a note to the member. The statement is read by the
coop's stewards only; events carry ids and amounts, never the statement.

Every service locks the application first (`ledger.locks.hardship_application_for_update`),
then the fund's balances (the grant), and records its event."""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.db import retry_transaction
from coop.core.errors import Conflict, DomainError, Forbidden
from coop.eventlog.services import event_record
from coop.federation.access import member_require, stewards_of
from coop.federation.selectors import rulebook_in_force
from ledger.errors import InsufficientFunds
from ledger.locks import hardship_application_for_update
from ledger.models import HardshipApplication
from ledger.services.movements import _amount, _pk, _steward, _text
from ledger.services.solidarity import grant_pay

S = HardshipApplication.Status
STATEMENT_MIN, STATEMENT_MAX = 20, 2000
HARDSHIP_EVENTS = ("solidarity.applied", "solidarity.first_approved", "solidarity.granted", "solidarity.refused",
                   "solidarity.put_to_vote", "solidarity.grant_unfunded")


def _event(kind, application, actor=None, **payload):
    event_record(type=f"solidarity.{kind}", coop=application.coop_id, actor=actor,
                 subject=("ledger.hardshipapplication", application.pk),
                 payload={"application": application.pk, "user": application.user_id, "amount": application.amount,
                          **payload})


def _tell_member(application, message, **params):
    notify(user=application.user, kind="solidarity", message=message,
           params={"amount": application.amount, **params}, link=reverse("ledger:solidarity"))


@transaction.atomic
def hardship_apply(*, user: User, reason: str, statement: str, amount: int,
                   now: datetime | None = None) -> HardshipApplication:
    """An active member asks the fund for `amount`. One open application at a time."""
    membership = member_require(user)
    if reason not in HardshipApplication.Reason.values:
        raise DomainError("invalid_reason", _("Choose the kind of hardship."), {"field": "reason"})
    statement = _text(statement, limit=STATEMENT_MAX, field="statement", required=True)
    if len(statement) < STATEMENT_MIN:
        raise DomainError("statement_too_short", _("Say in a sentence or two what happened (20 characters or "
                                                   "more)."), {"field": "statement"})
    _amount(amount)
    if HardshipApplication.objects.filter(user=user, status__in=HardshipApplication.OPEN).exists():
        raise Conflict("application_open", _("You already have an application waiting for a decision."))
    rulebook = rulebook_in_force(coop=membership.coop, at=now)
    application = HardshipApplication.objects.create(
        coop=membership.coop, user=user, reason=reason, statement=statement, amount=amount,
        rulebook_version=rulebook.version, created_at=now or timezone.now())
    _event("applied", application, actor=user, by_vote=amount > rulebook["solidarity_steward_grant_max"])
    for steward in stewards_of(membership.coop_id):
        if steward.pk != user.pk:
            notify(user=steward, kind="solidarity", message=gettext_noop(
                "A member asks the solidarity fund for help (%(amount)s)."), params={"amount": amount},
                link=reverse("ledger:solidarity_steward"))
    return application


def _open_for(steward, application, statuses):
    application = hardship_application_for_update(_pk(application, "application"))
    _steward(steward, application.coop_id)
    if application.user_id == steward.pk:
        raise Forbidden("own_application", _("Stewards do not decide their own application."))
    if application.status not in statuses:
        raise Conflict("application_decided", _("This application is not waiting for this decision."),
                       {"status": application.status})
    return application


def _limit(application, now=None):
    return rulebook_in_force(coop=application.coop, at=now)["solidarity_steward_grant_max"]


def _paid(application, *, actor, via, now):
    """Pay it (the fund's balances locked after the application's) and close it as granted."""
    tx = grant_pay(application=application, actor=actor)
    application.status = S.GRANTED
    application.grant_transaction = tx
    application.decided_via = via
    application.decided_at = now or timezone.now()
    application.save(update_fields=["status", "grant_transaction", "decided_via", "decided_at", "decided_by",
                                    "first_steward"])
    _tell_member(application, gettext_noop("Your coop's solidarity fund granted you %(amount)s; it is in your "
                                           "wallet."))
    return application


@retry_transaction
@transaction.atomic
def hardship_approve(*, steward: User, application: HardshipApplication,
                     now: datetime | None = None) -> HardshipApplication:
    """A steward approves a grant within the stewards' limit. The first approval waits for a
    second, different steward; the second pays. A fund too small to pay is refused with its
    balance, and the application stays as it was."""
    application = _open_for(steward, application, (S.PENDING, S.AWAITING_SECOND, S.GRANTED_UNPAID))
    if application.status == S.GRANTED_UNPAID:  # granted by a vote; any steward pays it once the fund can
        return _paid(application, actor=steward, via="vote", now=now)
    if application.amount > _limit(application, now):
        raise Conflict("needs_vote", _("This amount is above what stewards may grant: put it to the members' vote."),
                       {"limit": _limit(application, now)})
    if application.status == S.PENDING:
        application.status = S.AWAITING_SECOND
        application.first_steward = steward
        application.save(update_fields=["status", "first_steward"])
        _event("first_approved", application, actor=steward)
        return application
    if application.first_steward_id == steward.pk:
        raise Forbidden("four_eyes", _("A second steward must approve this grant."))
    application.decided_by = steward
    _event("granted", application, actor=steward, via="stewards")
    return _paid(application, actor=steward, via="stewards", now=now)


@transaction.atomic
def hardship_refuse(*, steward: User, application: HardshipApplication, note: str,
                    now: datetime | None = None) -> HardshipApplication:
    """One steward refuses an application waiting for the stewards, with a note to the member."""
    note = _text(note, limit=300, field="note", required=True)
    application = _open_for(steward, application, (S.PENDING, S.AWAITING_SECOND))
    application.status = S.REFUSED
    application.refusal_note = note
    application.decided_by = steward
    application.decided_via = "stewards"
    application.decided_at = now or timezone.now()
    application.save(update_fields=["status", "refusal_note", "decided_by", "decided_via", "decided_at"])
    _event("refused", application, actor=steward, via="stewards")
    _tell_member(application, gettext_noop("Your coop's stewards did not grant your request for %(amount)s."))
    return application


@transaction.atomic
def hardship_vote_prepare(*, steward: User, application: HardshipApplication,
                          now: datetime | None = None) -> HardshipApplication:
    """A steward, having read the statement, puts an application above the stewards' limit to
    the members' vote: marked `to_vote` (the governance change kind accepts only such an
    application) inside the transaction that creates the proposal.

    Records no event of its own, on purpose: it runs only inside `hardship_vote_open`'s
    transaction, which ends with `hardship_vote_opened` recording `solidarity.put_to_vote` (same
    application, same steward, and the proposal); if anything in between fails, all of it rolls
    back. The `to_vote` status is never seen outside that transaction, so one event says it all."""
    application = _open_for(steward, application, (S.PENDING,))
    if application.amount <= _limit(application, now):
        raise Conflict("stewards_decide", _("Two stewards grant this amount; no vote is needed."))
    application.status = S.TO_VOTE
    application.first_steward = steward
    application.save(update_fields=["status", "first_steward"])
    return application


@transaction.atomic
def hardship_vote_opened(*, application: HardshipApplication, proposal_id: int, steward: User) -> HardshipApplication:
    """The proposal exists: the application is `in_vote`; event `solidarity.put_to_vote`, and the
    member is told (the amount only)."""
    application = hardship_application_for_update(_pk(application, "application"))
    if application.status != S.TO_VOTE:
        raise Conflict("application_decided", _("This application is not being put to a vote."))
    application.status = S.IN_VOTE
    application.proposal_id = proposal_id
    application.save(update_fields=["status", "proposal_id"])
    _event("put_to_vote", application, actor=steward, proposal=proposal_id)
    _tell_member(application, gettext_noop("Your request for %(amount)s is put to your coop's members in a "
                                           "secret vote. They see the amount, never your statement."))
    return application


@retry_transaction
@transaction.atomic
def hardship_grant_by_vote(*, application_id: int, proposal_id: int,
                           now: datetime | None = None) -> HardshipApplication:
    """The members adopted the grant: pay it. If the fund cannot pay it now, it stays granted and
    unpaid (a steward pays it once the fund can: `hardship_approve`), so the vote's close
    never fails for want of money."""
    application = hardship_application_for_update(application_id)
    if application.status != S.IN_VOTE or application.proposal_id != proposal_id:
        return application
    _event("granted", application, via="vote", proposal=proposal_id)
    try:
        with transaction.atomic():
            return _paid(application, actor=None, via="vote", now=now)
    except InsufficientFunds:
        application.status = S.GRANTED_UNPAID
        application.decided_via = "vote"
        application.decided_at = now or timezone.now()
        application.save(update_fields=["status", "decided_via", "decided_at"])
        _event("grant_unfunded", application, proposal=proposal_id)
        for steward in stewards_of(application.coop_id):
            notify(user=steward, kind="solidarity", message=gettext_noop(
                "The members granted %(amount)s from the solidarity fund, but the fund cannot pay it yet."),
                params={"amount": application.amount}, link=reverse("ledger:solidarity_steward"))
        return application


@transaction.atomic
def hardship_refuse_by_vote(*, application_id: int, proposal_id: int, outcome: str,
                            now: datetime | None = None) -> HardshipApplication:
    """The vote did not adopt the grant (rejected, or no quorum): the application is refused."""
    application = hardship_application_for_update(application_id)
    if application.status != S.IN_VOTE or application.proposal_id != proposal_id:
        return application
    application.status = S.REFUSED
    application.decided_via = "vote"
    application.decided_at = now or timezone.now()
    application.save(update_fields=["status", "decided_via", "decided_at"])
    _event("refused", application, via="vote", proposal=proposal_id, outcome=outcome)
    _tell_member(application, gettext_noop("Your coop's members did not grant your request for %(amount)s."))
    return application
