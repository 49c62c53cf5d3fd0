"""Proposals: drafted with their changes (checked against the rulebook in force), submitted
for discussion, withdrawn, opened for voting with their eligible voters fixed."""

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.errors import Conflict, DomainError, Forbidden, NotFound
from coop.eventlog.services import event_record
from coop.federation import rulebook as spec
from coop.federation.models import Coop
from coop.federation.selectors import federation_bounds, members_participating, membership_active, rulebook_in_force
from coop.governance import locks
from coop.governance.changes import AdoptionState, Context, kind_get
from coop.governance.errors import NotAuthor, NotInStatus
from coop.governance.models import EligibleVoter, Proposal, ProposalChange
from coop.governance.selectors import federation_rulebook_latest, voting_rules
from coop.governance.services.common import _link, _users

MAX_CHANGES = 20


# --- proposals ---------------------------------------------------------------------------
def _context(*, coop, at=None):
    if coop is None:
        bounds = federation_bounds()
        latest = federation_rulebook_latest()
        return Context(coop=None, parameters=copy.deepcopy(bounds), bounds=bounds, articles={}), (
            latest.number if latest else 1)
    rulebook = rulebook_in_force(coop=coop, at=at)
    articles = {a.number: (a.title, a.body) for a in rulebook.articles}
    return Context(coop=coop, parameters=copy.deepcopy(rulebook.parameters), bounds=federation_bounds(),
                   articles=articles), rulebook.version


def _prepare_changes(ctx, items):
    """Check every change against the rulebook in force; return unsaved ProposalChange rows."""
    scope = "federation" if ctx.coop is None else "coop"
    if len(items) > MAX_CHANGES:
        raise DomainError("too_many_changes", _("A proposal carries at most %(n)s changes.") % {"n": MAX_CHANGES})
    rows, seen = [], set()
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError("invalid_change", _("Each change is an object with a kind."))
        kind = kind_get(item.get("kind"))
        if scope not in kind.scopes:
            raise DomainError("change_not_allowed", _("This kind of change cannot be made here."),
                              {"kind": kind.name, "scope": scope})
        data = kind.prepare(ctx, item)
        group = "steward" if kind.name.startswith("steward_") else kind.name
        ident = (group, data["key"])
        clash = (kind.name == "data_category" and ("parameter", "banned_data_categories") in seen) or (
            ident == ("parameter", "banned_data_categories") and any(g == "data_category" for g, _k in seen))
        if ident in seen or clash:
            raise DomainError("duplicate_change", _("Two changes of this proposal touch the same thing."),
                              {"key": data["key"]})
        seen.add(ident)
        rows.append(ProposalChange(position=position, kind=kind.name, key=data["key"], current=data["current"],
                                   proposed=data["proposed"], membership=data.get("membership")))
    # the changes must also hold together (e.g. two parameters, both within bounds)
    state = AdoptionState(parameters=copy.deepcopy(ctx.parameters), articles=dict(ctx.articles))
    for row in rows:
        kind_get(row.kind).apply(state, row)
    if ctx.coop is not None and state.rulebook_changed:
        spec.validate_parameters(state.parameters, ctx.bounds)
    return rows


@transaction.atomic
def proposal_create(*, author: User, title: str, body: str = "", changes: Iterable[dict] = (), secret: bool = False,
                    federation: bool = False, now: datetime | None = None) -> Proposal:
    """A member drafts a proposal to their coop; a steward may draft a federation-wide one.
    No changes at all makes a plain resolution (text only)."""
    membership = membership_active(user=author)
    if membership is None:
        raise Forbidden("not_member", _("Only active members make proposals."))
    if federation and not membership.is_steward:
        raise Forbidden("steward_only", _("Only stewards propose federation-wide changes."))
    coop = None if federation else membership.coop
    title = (title or "").strip()
    body = (body or "").strip()
    if not 5 <= len(title) <= 200:
        raise DomainError("invalid_title", _("Give the proposal a title of 5 to 200 characters."))
    if "\x00" in title or "\x00" in body:
        raise DomainError("invalid_text", _("The text contains a character that cannot be stored."))
    ctx, based_on = _context(coop=coop, at=now)
    rows = _prepare_changes(ctx, list(changes or []))
    if not rows and len(body) < 20:
        raise DomainError("resolution_needs_text", _("A resolution without rule changes needs its text "
                                                     "(20 characters or more)."))
    proposal = Proposal.objects.create(
        coop=coop, author=author, title=title, body=body, secret=bool(secret), based_on_version=based_on,
        needs_supermajority=any(kind_get(r.kind).needs_supermajority(r) for r in rows),
    )
    for row in rows:
        row.proposal = proposal
    ProposalChange.objects.bulk_create(rows)
    event_record(type="proposal.created", coop=coop, actor=author, subject=proposal,
                 payload={"proposal": proposal.pk, "changes": len(rows), "secret": proposal.secret,
                          "based_on_version": based_on})
    return proposal


def _own(proposal, author):
    if proposal.author_id != author.pk:
        raise NotAuthor()


@transaction.atomic
def proposal_submit(*, author: User, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """Draft -> discussion, for at least the rulebook's `discussion_days`."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    _own(proposal, author)
    if proposal.status != Proposal.Status.DRAFT:
        raise NotInStatus()
    _version, rules = voting_rules(coop=proposal.coop)  # the rules in force when the author acts
    proposal.status = Proposal.Status.DISCUSSION
    proposal.discussion_started_at = now
    proposal.discussion_ends_at = now + timedelta(days=rules["discussion_days"])
    proposal.save()
    event_record(type="proposal.discussion_opened", coop=proposal.coop_id, actor=author, subject=proposal,
                 payload={"proposal": proposal.pk, "discussion_days": rules["discussion_days"]})
    return proposal


@transaction.atomic
def proposal_withdraw(*, author: User, proposal: Proposal, now: datetime | None = None) -> Proposal:
    """The author withdraws a proposal before voting opens."""
    proposal = locks.proposal_for_update(proposal.pk)
    _own(proposal, author)
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.DISCUSSION):
        raise NotInStatus("cannot_withdraw", _("A proposal can be withdrawn only before voting opens."))
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.withdrawn_at = now or timezone.now()
    proposal.save()
    for change in proposal.changes.all():  # what waited on the vote (a patronage distribution) is freed
        kind_get(change.kind).not_adopted(proposal, change, Proposal.Status.WITHDRAWN)
    event_record(type="proposal.withdrawn", coop=proposal.coop_id, actor=author, subject=proposal,
                 payload={"proposal": proposal.pk})
    return proposal


def _participants(proposal, now):
    """(user_id, coop_id) of the participating members when voting opens (seam 14)."""
    coops = [proposal.coop] if proposal.coop_id else list(Coop.objects.order_by("pk"))
    pairs = []
    for coop in coops:
        try:
            members = members_participating(coop=coop, at=now)
        except NotFound:  # a coop without a rulebook yet has no voters
            continue
        pairs += [(user_id, coop.pk) for user_id in members.order_by("user_id").values_list("user_id", flat=True)]
    return pairs


@transaction.atomic
def proposal_voting_open(*, proposal: Proposal, now: datetime | None = None,
                         voting_hours: int | None = None) -> Proposal:
    """Discussion -> voting once the discussion period is over. Fixes the eligible voters and
    the voting rules. Idempotent: a proposal already voting or closed is returned as it is.
    `voting_hours` replaces the rulebook's `voting_days` for a vote with a short deadline (a
    hardship grant: `solidarity_vote_hours`)."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    if proposal.status == Proposal.Status.VOTING or proposal.is_closed:
        return proposal
    if proposal.status != Proposal.Status.DISCUSSION:
        raise NotInStatus()
    if now < proposal.discussion_ends_at:
        raise Conflict("discussion_not_over", _("The discussion period is not over yet."),
                       {"discussion_ends_at": proposal.discussion_ends_at.isoformat()})
    version, rules = voting_rules(coop=proposal.coop, at=now)
    voters = _participants(proposal, now)
    EligibleVoter.objects.bulk_create(EligibleVoter(proposal=proposal, user_id=u, coop_id=c) for u, c in voters)
    proposal.status = Proposal.Status.VOTING
    proposal.voting_opened_at = now
    proposal.voting_ends_at = now + (timedelta(hours=voting_hours) if voting_hours
                                     else timedelta(days=rules["voting_days"]))
    if proposal.voting_ends_at - now <= timedelta(days=1):  # the opening notice already says it closes within a day
        proposal.reminder_sent_at = now
    proposal.rules_version = version
    proposal.quorum_pct, proposal.threshold_pct = rules["quorum_pct"], rules["threshold_pct"]
    proposal.supermajority = str(rules["supermajority"])
    proposal.eligible_count = len(voters)
    proposal.save()
    event_record(type="proposal.voting_opened", coop=proposal.coop_id, subject=proposal,
                 payload={"proposal": proposal.pk, "eligible": len(voters), "rulebook_version": version})
    params = {"when": proposal.voting_ends_at.strftime("%Y-%m-%d %H:%M UTC"), "title": proposal.title}
    users = {u.pk: u for u in _users([u for u, _c in voters])}
    for user_id, _coop in voters:
        notify(user=users[user_id], kind="vote",
               message=gettext_noop("Vote open until %(when)s: %(title)s"), params=params,
               link=_link(proposal))
    return proposal
