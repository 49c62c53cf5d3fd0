"""Every write of governance: proposals, votes, closing and adoption. Each records its event.

Time: services take `now` (default `timezone.now()`), so jobs catching up and tests can say
when an action happens. Decisions are in docs/governance.md."""

import copy
import random
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.services import notify
from coop.core.errors import Conflict, DomainError, Forbidden, NotFound
from coop.eventlog.services import event_record
from coop.federation import rulebook as spec
from coop.federation.access import access_changed
from coop.federation.errors import InvalidTransition
from coop.federation.locks import federation_for_update, membership_for_update
from coop.federation.models import Coop, Membership, RulebookVersion
from coop.federation.selectors import federation_bounds, members_participating, membership_active, rulebook_in_force
from coop.federation.services import rulebook_version_create
from coop.governance import locks
from coop.governance.changes import VOTING_RULES, AdoptionState, Context, check_bound_value, kind_get
from coop.governance.counting import ADOPTED, count_votes
from coop.governance.errors import InvalidChoice, NotAuthor, NotEligible, NotInStatus, VotingClosed
from coop.governance.models import Ballot, EligibleVoter, Proposal, ProposalChange
from coop.governance.selectors import tally_count

MAX_CHANGES = 20


def _link(proposal):
    return reverse("governance:proposal", args=[proposal.pk])


# --- the federation's own voting rules --------------------------------------------------
def federation_rulebook_latest():
    return RulebookVersion.objects.filter(coop__isnull=True).order_by("-number").first()


def voting_rules(*, coop, at=None):
    """(rulebook version number, {rule: value}) for a vote of `coop` (None: federation-wide).

    The federation rulebook holds bounds, not values of its own, so federation-wide votes use
    the installation defaults of the voting rules (docs/governance.md)."""
    if coop is None:
        latest = federation_rulebook_latest()
        return (latest.number if latest else 1), {name: spec.BY_NAME[name].default for name in VOTING_RULES}
    rulebook = rulebook_in_force(coop=coop, at=at)
    return rulebook.version, {name: rulebook[name] for name in VOTING_RULES}


# --- proposals ---------------------------------------------------------------------------
def _context(*, coop):
    if coop is None:
        bounds = federation_bounds()
        latest = federation_rulebook_latest()
        return Context(coop=None, parameters=copy.deepcopy(bounds), bounds=bounds, articles={}), (
            latest.number if latest else 1)
    rulebook = rulebook_in_force(coop=coop)
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
def proposal_create(*, author, title, body="", changes=(), secret=False, federation=False):
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
    ctx, based_on = _context(coop=coop)
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
def proposal_submit(*, author, proposal, now=None):
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
def proposal_withdraw(*, author, proposal, now=None):
    """The author withdraws a proposal before voting opens."""
    proposal = locks.proposal_for_update(proposal.pk)
    _own(proposal, author)
    if proposal.status not in (Proposal.Status.DRAFT, Proposal.Status.DISCUSSION):
        raise NotInStatus("cannot_withdraw", _("A proposal can be withdrawn only before voting opens."))
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.withdrawn_at = now or timezone.now()
    proposal.save()
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
def proposal_voting_open(*, proposal, now=None):
    """Discussion -> voting once the discussion period is over. Fixes the eligible voters and
    the voting rules. Idempotent: a proposal already voting or closed is returned as it is."""
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
    proposal.voting_ends_at = now + timedelta(days=rules["voting_days"])
    if rules["voting_days"] <= 1:  # the opening notice already says it closes within a day
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


def _users(ids):
    return User.objects.filter(pk__in=ids).select_related("profile")


@transaction.atomic
def ballot_cast(*, user, proposal, choice, now=None):
    """Cast or change a vote. Only members eligible when voting opened, until the deadline."""
    now = now or timezone.now()
    if choice not in Ballot.Choice.values:
        raise InvalidChoice()
    voter = locks.voter_for_update(proposal_id=proposal.pk, user_id=user.pk)
    proposal = Proposal.objects.get(pk=proposal.pk)  # re-read under the voter's lock
    if proposal.status != Proposal.Status.VOTING or now >= proposal.voting_ends_at:
        raise VotingClosed()
    if voter is None:
        raise NotEligible()
    if not Membership.objects.active().filter(user=user, coop_id=voter.coop_id).exists():
        raise NotEligible("membership_not_active", _("Your membership is not active, so you cannot vote."))
    ballot = Ballot.objects.filter(proposal=proposal, voter=user).first()
    if ballot is not None and ballot.choice == choice:
        return ballot
    if ballot is None:
        ballot = Ballot.objects.create(proposal=proposal, voter=user, coop_id=voter.coop_id, choice=choice,
                                       cast_at=now)
        voter.voted = True
        voter.save(update_fields=["voted"])
        kind = "ballot.cast"
    else:
        ballot.choice, ballot.cast_at = choice, now
        ballot.save(update_fields=["choice", "cast_at"])
        kind = "ballot.changed"
    # seam 13: no ballot event carries a ballot id or a choice (the event log refuses them for
    # every ballot event; open ballots show who voted what from the ballot rows instead)
    event_record(type=kind, coop=voter.coop_id, actor=user, subject=proposal, payload={"proposal": proposal.pk})
    return ballot


@transaction.atomic
def proposal_remind(*, proposal, now=None):
    """A day before the close, remind the eligible members who have not voted (once)."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    if proposal.status != Proposal.Status.VOTING or proposal.reminder_sent_at or now >= proposal.voting_ends_at:
        return 0
    if now < proposal.voting_ends_at - timedelta(days=1):
        return 0
    user_ids = list(proposal.voters.filter(voted=False).values_list("user_id", flat=True))
    for user in _users(user_ids):
        notify(user=user, kind="vote",
               message=gettext_noop("Last day to vote: %(title)s"), params={"title": proposal.title},
               link=_link(proposal))
    proposal.reminder_sent_at = now
    proposal.save(update_fields=["reminder_sent_at"])
    return len(user_ids)



def _anonymise(proposal):
    """Seam 13: erase the member-ballot link. The rows are re-inserted in random order with
    new random ids and no time, so neither order nor id nor time leads back to a voter."""
    ballots = list(Ballot.objects.filter(proposal=proposal).values("coop_id", "choice"))
    Ballot.objects.filter(proposal=proposal).delete()
    fresh = [Ballot(proposal=proposal, coop_id=b["coop_id"], choice=b["choice"]) for b in ballots]
    random.SystemRandom().shuffle(fresh)
    Ballot.objects.bulk_create(fresh)


@transaction.atomic
def proposal_close(*, proposal, now=None):
    """Voting -> adopted, rejected or failed_quorum once the deadline has passed. Idempotent,
    and the closing time is the deadline even when the job runs late (catch-up)."""
    now = now or timezone.now()
    proposal = locks.proposal_for_update(proposal.pk)
    if proposal.is_closed:
        return proposal
    if proposal.status != Proposal.Status.VOTING:
        raise NotInStatus()
    if now < proposal.voting_ends_at:
        raise Conflict("voting_not_over", _("Voting is still open."),
                       {"voting_ends_at": proposal.voting_ends_at.isoformat()})
    locks.voters_for_update(proposal_id=proposal.pk)  # wait for votes in flight
    counts = tally_count(proposal=proposal)
    result = count_votes(eligible=proposal.eligible_count, yes=counts["yes"], no=counts["no"],
                         abstain=counts["abstain"], quorum_pct=proposal.quorum_pct,
                         threshold_pct=proposal.threshold_pct, supermajority=proposal.supermajority,
                         needs_supermajority=proposal.needs_supermajority)
    proposal.yes_count, proposal.no_count, proposal.abstain_count = result.yes, result.no, result.abstain
    proposal.status = result.outcome
    proposal.closed_at = proposal.voting_ends_at
    if proposal.secret:
        _anonymise(proposal)
    if result.outcome == ADOPTED:
        _adopt(proposal, now)
    proposal.save()
    event_record(type="proposal.closed", coop=proposal.coop_id, subject=proposal, payload={
        "proposal": proposal.pk, "outcome": result.outcome, "eligible": result.eligible, "yes": result.yes,
        "no": result.no, "abstain": result.abstain, "created_version": proposal.created_version,
    })
    notify(user=proposal.author, kind="vote", message=gettext_noop("Vote closed (%(outcome)s): %(title)s"), params={
        "outcome": Proposal.Status(result.outcome).label, "title": proposal.title}, link=_link(proposal))
    return proposal


# --- adoption ----------------------------------------------------------------------------
def _adopt(proposal, now):
    """Apply the changes; assumes the proposal row is locked. A change that can no longer
    apply (the member left, the bounds moved) is skipped with a code; the rest applies."""
    changes = list(proposal.changes.select_related("membership"))
    if proposal.coop_id is None:
        return _adopt_federation(proposal, changes, now)
    rulebook = rulebook_in_force(coop=proposal.coop, at=now)
    articles = {a.number: (a.title, a.body) for a in rulebook.articles}
    state = AdoptionState(parameters=copy.deepcopy(rulebook.parameters), articles=dict(articles))
    for change in changes:
        change.skipped = kind_get(change.kind).apply(state, change)
    if state.rulebook_changed:
        try:
            spec.validate_parameters(state.parameters, federation_bounds(at=now))
        except DomainError as exc:
            bad = set(exc.extra.get("parameters", {}))
            for name in bad:
                state.parameters[name] = copy.deepcopy(rulebook.parameters.get(name))
            for change in changes:
                param = "banned_data_categories" if change.kind == "data_category" else change.key
                if change.kind in ("parameter", "data_category") and param in bad:
                    change.skipped = "out_of_bounds"
        if state.parameters != rulebook.parameters or state.articles != articles:
            version = rulebook_version_create(
                coop=proposal.coop, parameters=state.parameters,
                articles=[(n, t, b) for n, (t, b) in sorted(state.articles.items())],
                note=f"Proposal #{proposal.pk}: {proposal.title}", proposal_id=proposal.pk, effective_at=now)
            proposal.created_version = version.number
    for action in state.actions:
        action(proposal)
    ProposalChange.objects.bulk_update(changes, ["skipped"])


def _adopt_federation(proposal, changes, now):
    latest = federation_rulebook_latest()
    bounds = federation_bounds()  # the latest version's, completed with new parameters' defaults
    state = AdoptionState(parameters=copy.deepcopy(spec.with_defaults(latest.parameters, bounds) if latest
                                                   else bounds), articles={})
    for change in changes:
        change.skipped = kind_get(change.kind).apply(state, change)
    ProposalChange.objects.bulk_update(changes, ["skipped"])
    if not state.rulebook_changed:
        return
    version = federation_rulebook_version_create(parameters=state.parameters, proposal=proposal, now=now)
    proposal.created_version = version.number
    coops_bring_within_bounds(proposal=proposal, now=now)


def clamp(p, value, bound):
    """The nearest value to `value` within the federation's `bound` for parameter `p`."""
    if bound is None or p.bound == "free":
        return value
    cmp = spec._compare
    if p.bound == "min":
        return bound if cmp(p, value) < cmp(p, bound) else value
    if p.bound == "max":
        return bound if cmp(p, value) > cmp(p, bound) else value
    if p.bound == "range":
        low, high = bound
        return low if cmp(p, value) < cmp(p, low) else high if cmp(p, value) > cmp(p, high) else value
    if p.bound == "federation":
        return copy.deepcopy(bound)
    if p.bound == "superset":
        return list(value) + [b for b in bound if b not in value]
    if p.bound == "subset":
        if isinstance(value, dict):
            kept = {k: v for k, v in value.items() if k in bound}
            return kept or dict(bound)
        return [v for v in value if v in bound]
    return value


@transaction.atomic
def federation_rulebook_version_create(*, parameters, proposal, now=None):
    """The federation's next rulebook version (its bounds), adopted by a federation-wide proposal."""
    now = now or timezone.now()
    for name, bound in parameters.items():
        p = spec.BY_NAME.get(name)
        if p is not None and p.bound != "free" and bound is not None and check_bound_value(p, bound):
            raise DomainError("invalid_parameters", _("Some federation bounds are not valid."), {"parameter": name})
    federation_for_update()  # serialise version numbers
    latest = federation_rulebook_latest()
    version = RulebookVersion.objects.create(
        coop=None, number=(latest.number + 1) if latest else 1, parameters=parameters, effective_at=now,
        note=f"Proposal #{proposal.pk}: {proposal.title}", adopted_by_proposal_id=proposal.pk,
    )
    event_record(type="rulebook.adopted", subject=version,
                 payload={"version": version.number, "coop": None, "proposal": proposal.pk})
    return version


def coops_bring_within_bounds(*, proposal, now):
    """After the federation's bounds change, give each coop whose rulebook falls outside them a
    next version with each such value moved to the nearest allowed one."""
    bounds = federation_bounds(at=now)
    for coop in Coop.objects.order_by("pk"):
        try:
            rulebook = rulebook_in_force(coop=coop, at=now)
        except NotFound:
            continue
        params = copy.deepcopy(rulebook.parameters)
        for p in spec.PARAMETERS:
            if p.name in params:
                params[p.name] = clamp(p, params[p.name], bounds.get(p.name))
        if params != rulebook.parameters:
            rulebook_version_create(
                coop=coop, parameters=params, proposal_id=proposal.pk, effective_at=now,
                articles=[(a.number, a.title, a.body) for a in rulebook.articles],
                note=f"Federation proposal #{proposal.pk}: brought within the federation's bounds")


# --- stewards ----------------------------------------------------------------------------
def _role_change(*, membership, proposal, role, event_type):
    membership = membership_for_update(pk=membership.pk, statuses=(), related=("coop", "user"), must_exist=True)
    if membership.status != Membership.Status.ACTIVE:
        raise InvalidTransition()
    membership.role = role
    membership.save(update_fields=["role"])
    access_changed(user_id=membership.user_id)  # moderation of the coop's rooms comes or goes
    event_record(type=event_type, coop=membership.coop, subject=membership,
                 payload={"membership": membership.pk, "proposal": proposal.pk})
    return membership


@transaction.atomic
def steward_elect(*, membership, proposal):
    """The members elected this member steward (an adopted proposal)."""
    membership = _role_change(membership=membership, proposal=proposal, role=Membership.Role.STEWARD,
                              event_type="steward.elected")
    notify(user=membership.user, kind="governance",
           message=gettext_noop("The members elected you steward of %(coop)s."), params={
        "coop": membership.coop.name}, link=_link(proposal))
    return membership


@transaction.atomic
def steward_recall(*, membership, proposal):
    """The members recalled this steward (an adopted proposal); they stay a member."""
    membership = _role_change(membership=membership, proposal=proposal, role=Membership.Role.MEMBER,
                              event_type="steward.recalled")
    notify(user=membership.user, kind="governance",
           message=gettext_noop("The members recalled you as steward of %(coop)s."),
           params={"coop": membership.coop.name},
           link=_link(proposal))
    return membership
