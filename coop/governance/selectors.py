"""Reads shared by the pages, the API and the jobs."""

import json
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count as DbCount
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from coop.core.errors import NotFound
from coop.federation import rulebook as spec
from coop.federation.access import governance_membership
from coop.federation.models import Coop, Membership, RulebookVersion
from coop.federation.selectors import federation_bounds, rulebook_in_force
from coop.governance.changes import KINDS, VOTING_RULES
from coop.governance.counting import count_votes
from coop.governance.models import Ballot, EligibleVoter, Proposal, ProposalChange
from tasks.qualifications.models import Qualification


def proposals_visible(*, user: User) -> QuerySet[Proposal]:
    """Proposals of the user's coop and the federation-wide ones; drafts only to their author.
    Governance is for active members (`access.governance_membership`): anyone else sees none."""
    membership = governance_membership(user)
    if membership is None:
        return Proposal.objects.none()
    scope = Q(coop__isnull=True) | Q(coop_id=membership.coop_id)
    return (Proposal.objects.filter(scope).filter(~Q(status=Proposal.Status.DRAFT) | Q(author_id=user.pk))
            .select_related("coop", "author__profile").order_by("-created_at", "-pk"))


def proposals_grouped(*, user: User) -> dict[str, list[Proposal]]:
    """{"discussion": [...], "voting": [...], "closed": [...], "drafts": [...]} for the list page."""
    groups = {"drafts": [], "discussion": [], "voting": [], "closed": []}
    for proposal in proposals_visible(user=user):
        if proposal.status == Proposal.Status.DRAFT:
            groups["drafts"].append(proposal)
        elif proposal.status in (Proposal.Status.DISCUSSION, Proposal.Status.VOTING):
            groups[proposal.status].append(proposal)
        else:
            groups["closed"].append(proposal)
    return groups


def proposal_get(*, user: User, pk: int) -> Proposal:
    proposal = proposals_visible(user=user).filter(pk=pk).first()
    if proposal is None:
        raise NotFound("proposal_not_found", _("No such proposal."))
    return proposal


def _show(p, value):
    if p is None:
        return value
    if isinstance(value, dict) and p.type == "reasons":
        return ", ".join(sorted(value))
    if isinstance(value, list):
        if p.bound == "range" and len(value) == 2 and p.type != "list":
            return f"{value[0]} – {value[1]}"
        return ", ".join(str(v) for v in value) or "—"
    return value


def proposal_diff(*, proposal: Proposal) -> list[dict]:
    """One row per change: what changes, its type, current -> proposed, ready to show."""
    rows = []
    for change in proposal.changes.select_related("membership__user__profile"):
        row = {"kind": change.kind, "key": change.key, "skipped": change.skipped, "type": "", "label": change.key,
               "current": change.current, "proposed": change.proposed,
               "kind_label": dict(ProposalChange.Kind.choices).get(change.kind, change.kind)}
        if change.kind == "parameter":
            p = spec.BY_NAME.get(change.key)
            row.update(label=p.label if p else change.key, type=p.type if p else "",
                       current=_show(p, change.current), proposed=_show(p, change.proposed),
                       voting_rule=change.key in VOTING_RULES)
        elif change.kind == "article":
            row.update(label=_("Article %(n)s") % {"n": change.key})
        elif change.kind == "data_category":
            row.update(label=change.key.replace("_", " "),
                       current=_("banned") if change.current else _("allowed"),
                       proposed=_("banned") if change.proposed else _("allowed"))
        elif change.kind == "qualification_rule":
            found = Qualification.objects.filter(pk=int(change.key)).values_list("name", flat=True).first()
            row.update(label=found or change.key, current=json.dumps(change.current) if change.current else None,
                       proposed=json.dumps(change.proposed))
        elif change.kind == "solidarity_grant":  # the amount only: never the member or the statement
            row.update(label=_("Hardship grant, application #%(n)s") % {"n": change.key}, type="amount")
        elif change.kind == "patronage":
            row.update(label=_("Surplus shared by work done, distribution #%(n)s") % {"n": change.key}, type="amount")
        elif change.kind in ("steward_elect", "steward_recall") and change.membership:
            row.update(label=change.membership.user.display_name)
        rows.append(row)
    return rows


def tally_visible(*, proposal: Proposal) -> dict[str, int] | None:
    """The tally, or None while a secret ballot is open (seam 13). Live for open ballots."""
    if proposal.is_closed:
        if proposal.yes_count is None:
            return None
        return {"yes": proposal.yes_count, "no": proposal.no_count, "abstain": proposal.abstain_count}
    if proposal.status != Proposal.Status.VOTING or proposal.secret:
        return None
    return tally_count(proposal=proposal)


def tally_summary(*, proposal: Proposal) -> dict | None:
    """The tally with quorum and threshold as they stand (or stood at close), or None."""
    tally = tally_visible(proposal=proposal)
    if tally is None or proposal.eligible_count is None:
        return None
    result = count_votes(eligible=proposal.eligible_count, yes=tally["yes"], no=tally["no"],
                         abstain=tally["abstain"], quorum_pct=proposal.quorum_pct,
                         threshold_pct=proposal.threshold_pct, supermajority=proposal.supermajority,
                         needs_supermajority=proposal.needs_supermajority)
    cast = result.cast
    needed = -(-proposal.quorum_pct * proposal.eligible_count // 100)  # ceil: votes needed for quorum
    return {**tally, "cast": cast, "eligible": proposal.eligible_count, "quorum_needed": needed,
            "quorum_met": result.quorum_met, "passing": result.passed,
            "turnout_pct": (cast * 100 // proposal.eligible_count) if proposal.eligible_count else 0}


def results_per_coop(*, proposal: Proposal) -> list[dict]:
    """For a federation-wide proposal: eligible voters and the tally of each coop (when the
    tally may be shown), with what the coop's own count would have been (for information)."""
    if proposal.coop_id is not None or proposal.eligible_count is None:
        return []
    show = tally_visible(proposal=proposal) is not None
    eligible = {}
    for coop_id in EligibleVoter.objects.filter(proposal=proposal).values_list("coop_id", flat=True):
        eligible[coop_id] = eligible.get(coop_id, 0) + 1
    votes = {}
    if show:
        for coop_id, choice in Ballot.objects.filter(proposal=proposal).values_list("coop_id", "choice"):
            votes.setdefault(coop_id, {"yes": 0, "no": 0, "abstain": 0})[choice] += 1
    rows = []
    for coop in Coop.objects.filter(pk__in=eligible).order_by("name"):
        row = {"coop": coop, "eligible": eligible[coop.pk]}
        if show:
            t = votes.get(coop.pk, {"yes": 0, "no": 0, "abstain": 0})
            result = count_votes(eligible=eligible[coop.pk], yes=t["yes"], no=t["no"], abstain=t["abstain"],
                                 quorum_pct=proposal.quorum_pct, threshold_pct=proposal.threshold_pct,
                                 supermajority=proposal.supermajority,
                                 needs_supermajority=proposal.needs_supermajority)
            row.update(t, outcome=result.outcome)
        rows.append(row)
    return rows


def votes_public(*, proposal: Proposal) -> list:
    """Who voted what, for open (not secret) ballots: visible to members."""
    if proposal.secret:
        return []
    return list(Ballot.objects.filter(proposal=proposal, voter__isnull=False)
                .select_related("voter__profile").order_by("voter_id"))


def voters_who_voted(*, proposal: Proposal) -> list:
    """The list of who voted (kept after a secret ballot closes, without their choices)."""
    return list(EligibleVoter.objects.filter(proposal=proposal, voted=True).select_related("user__profile")
                .order_by("user_id"))


def my_vote(*, proposal: Proposal, user: User | AnonymousUser) -> dict:
    """{"eligible", "voted", "choice"} for this user (choice None once a secret ballot closed)."""
    if not user.is_authenticated:
        return {"eligible": False, "voted": False, "choice": None}
    voter = EligibleVoter.objects.filter(proposal=proposal, user=user).first()
    ballot = Ballot.objects.filter(proposal=proposal, voter=user).first()
    return {"eligible": voter is not None, "voted": bool(voter and voter.voted),
            "choice": ballot.choice if ballot else None}


def time_left(*, proposal: Proposal, now: datetime | None = None) -> timedelta | None:
    now = now or timezone.now()
    end = proposal.voting_ends_at if proposal.status == Proposal.Status.VOTING else (
        proposal.discussion_ends_at if proposal.status == Proposal.Status.DISCUSSION else None)
    if end is None:
        return None
    return max(end - now, timedelta(0))


def propose_choices(*, user: User) -> dict | None:
    """What the propose form may offer this user: only changes that can be valid."""
    membership = Membership.objects.active().select_related("coop").filter(user=user).first()
    if membership is None:
        return None
    rulebook = rulebook_in_force(coop=membership.coop)
    bounds = federation_bounds()
    parameters = []
    for p in spec.PARAMETERS:
        if p.bound == "federation" or p.type == "reasons":
            continue
        parameters.append({"name": p.name, "label": p.label, "type": p.type, "current": _show(p, rulebook[p.name]),
                           "value": rulebook[p.name], "bound_value": bounds.get(p.name),
                           "bound": spec.describe_bound(p, bounds.get(p.name)), "choices": p.choices})
    banned = set(rulebook["banned_data_categories"])
    fed_banned = set(bounds.get("banned_data_categories") or [])
    categories = [{"name": c, "banned": c in banned, "locked": c in fed_banned} for c in spec.DATA_CATEGORIES]
    members = list(Membership.objects.active().filter(coop=membership.coop)
                   .select_related("user__profile").order_by("pk"))
    fed_parameters = [{"name": p.name, "label": p.label, "bound_kind": p.bound,
                       "current": _show(p, bounds.get(p.name)),
                       "bound_words": spec.describe_bound(p, bounds.get(p.name), fmt=_show)}
                      for p in spec.PARAMETERS if p.bound != "free" and p.type != "reasons"]

    qualifications = list(Qualification.objects.filter(
        coop=membership.coop, organisation__isnull=True, kind=Qualification.Kind.COMPUTED).order_by("name"))
    return {
        "membership": membership, "rulebook": rulebook, "parameters": parameters, "categories": categories,
        "qualifications": qualifications,
        "electable": [m for m in members if not m.is_steward],  # active members: not a steward
        "recallable": [m for m in members if m.is_steward],
        "articles": rulebook.articles, "next_article": max([a.number for a in rulebook.articles] or [0]) + 1,
        "federation_parameters": fed_parameters if membership.is_steward else [],
        "extra_kinds": [k for k in KINDS if k not in dict(ProposalChange.Kind.choices)],
    }


def tally_count(*, proposal: Proposal) -> dict[str, int]:
    rows = Ballot.objects.filter(proposal=proposal).values("choice").annotate(n=DbCount("id"))
    counts = {c: 0 for c in Ballot.Choice.values}
    counts.update({r["choice"]: r["n"] for r in rows})
    return counts


# --- the voting rules in force ------------------------------------------------------------

def federation_rulebook_latest() -> RulebookVersion | None:
    return RulebookVersion.objects.filter(coop__isnull=True).order_by("-number").first()


def voting_rules(*, coop: Coop, at: datetime | None = None) -> tuple:
    """(rulebook version number, {rule: value}) for a vote of `coop` (None: federation-wide).

    The federation rulebook holds bounds, not values of its own, so federation-wide votes use
    the installation defaults of the voting rules (docs/governance.md)."""
    if coop is None:
        latest = federation_rulebook_latest()
        return (latest.number if latest else 1), {name: spec.BY_NAME[name].default for name in VOTING_RULES}
    rulebook = rulebook_in_force(coop=coop, at=at)
    return rulebook.version, {name: rulebook[name] for name in VOTING_RULES}
