"""The kinds of change a proposal can carry: how each is checked when proposed, whether it
needs a supermajority, and how it is applied at adoption.

Each kind is a `ChangeKind` registered in `KINDS` with `register_kind(kind)`; all of today's
kinds are defined and registered here, including "qualification_rule" (the rule of a coop's
computed qualification), which applies through `tasks.qualifications`, a layer below. The
propose form, the API and adoption go through this registry. A steward change is applied by
the governance services `steward_elect`/`steward_recall`, which import this module: they are
handed over by `GovernanceConfig.ready()` (`register_steward_services`), not imported here.

`prepare(ctx, item)` turns one input item (a dict from the form or the API) into the fields
of a `ProposalChange` (`key`, `current`, `proposed`, optionally `membership`), raising
`DomainError` when the change is not valid. `apply(state, change)` changes the adoption
`state` (parameters, articles, actions to run) and returns "" or a skip code."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from coop.core.errors import DomainError
from coop.federation import rulebook as spec
from coop.federation.models import Membership
from ledger.models import HardshipApplication, PatronageDistribution
from ledger.services.hardship import hardship_grant_by_vote, hardship_refuse_by_vote
from ledger.services.patronage import patronage_adopt, patronage_refuse_by_vote
from tasks.qualifications.models import Qualification
from tasks.qualifications.rules import rule_validate
from tasks.qualifications.services import qualification_version_publish

# Parameters that decide how votes run: changing them needs a supermajority, like articles.
VOTING_RULES = ("quorum_pct", "threshold_pct", "supermajority", "discussion_days", "voting_days",
                "participation_window_days")


@dataclass
class Context:
    """What a change is checked against when it is proposed."""

    coop: object  # None for a federation-wide proposal
    parameters: dict  # the coop's parameters in force, or the federation's bounds
    bounds: dict  # the federation's bounds (same as `parameters` for a federation proposal)
    articles: dict  # number -> (title, body), empty for the federation


@dataclass
class AdoptionState:
    parameters: dict
    articles: dict
    actions: list = field(default_factory=list)  # callables run after the new version exists
    rulebook_changed: bool = False


class ChangeKind:
    name = ""
    scopes = ("coop",)  # "coop", "federation"

    def prepare(self, ctx, item):
        raise DomainError("unknown_change", _("This kind of change is not known."))

    def needs_supermajority(self, change):
        return False

    def apply(self, state, change):
        return ""

    def not_adopted(self, proposal, change, outcome):
        """Called when the proposal closes without being adopted (rejected, no quorum)."""


def _parameter(name):
    p = spec.BY_NAME.get(name)
    if p is None:
        raise DomainError("unknown_parameter", _("There is no rulebook parameter named “%(n)s”.") % {"n": name},
                          {"parameter": name})
    return p


def check_bound_value(p, bound):
    """Return None if `bound` is a valid federation bound for parameter `p`, else a message."""
    if p.bound == "free":
        return _("the federation does not bound this parameter")
    if p.bound == "range":
        if not isinstance(bound, list) or len(bound) != 2:
            return _("must be a pair [low, high]")
        message = spec._check_type(p, bound[0]) or spec._check_type(p, bound[1])
        if message:
            return message
        if spec._compare(p, bound[0]) > spec._compare(p, bound[1]):
            return _("the low end must not exceed the high end")
        return None
    return spec._check_type(p, bound)


class ParameterChange(ChangeKind):
    name = "parameter"
    scopes = ("coop", "federation")

    def prepare(self, ctx, item):
        p = _parameter(item.get("name") or item.get("key"))
        value = item.get("value")
        if p.type == "fraction" and value is not None:
            value = str(value)
        current = ctx.parameters.get(p.name)
        if value == current:
            raise DomainError("no_change", _("The proposed value of %(n)s is its current value.") % {"n": p.name},
                              {"parameter": p.name})
        if ctx.coop is None:
            message = check_bound_value(p, value)
        else:
            if p.bound == "federation":
                message = _("only the federation sets this")
            else:
                message = spec._check_type(p, value) or spec.check_bound(p, value, ctx.bounds.get(p.name))
        if message:
            raise DomainError("invalid_parameter", f"{p.label}: {message}", {"parameter": p.name})
        return {"key": p.name, "current": current, "proposed": value}

    def needs_supermajority(self, change):
        return change.key in VOTING_RULES

    def apply(self, state, change):
        state.parameters[change.key] = change.proposed
        state.rulebook_changed = True
        return ""


class ArticleChange(ChangeKind):
    name = "article"

    def prepare(self, ctx, item):
        try:
            number = int(item.get("number"))
        except (TypeError, ValueError):
            raise DomainError("invalid_article", _("Give the article a number."))
        title = (item.get("title") or "").strip()
        body = (item.get("body") or "").strip()
        if number < 1 or not title or len(body) < 10:
            raise DomainError("invalid_article", _("An article needs a number, a title and a text of a sentence "
                                                   "or more."), {"article": number})
        if len(title) > 200:
            raise DomainError("invalid_article", _("An article title has at most 200 characters."))
        old = ctx.articles.get(number)
        current = {"title": old[0], "body": old[1]} if old else None
        proposed = {"title": title, "body": body}
        if current == proposed:
            raise DomainError("no_change", _("This article already reads like this."), {"article": number})
        return {"key": str(number), "current": current, "proposed": proposed}

    def needs_supermajority(self, change):
        return True

    def apply(self, state, change):
        state.articles[int(change.key)] = (change.proposed["title"], change.proposed["body"])
        state.rulebook_changed = True
        return ""


class DataCategoryChange(ChangeKind):
    """Ban or allow a data category: a change of the `banned_data_categories` list."""

    name = "data_category"
    scopes = ("coop", "federation")

    def prepare(self, ctx, item):
        category = item.get("category") or item.get("key")
        action = item.get("action")
        if category not in spec.DATA_CATEGORIES or action not in ("ban", "allow"):
            raise DomainError("invalid_data_category", _("Choose a known data category and ban or allow it."),
                              {"category": category})
        banned = list(ctx.parameters.get("banned_data_categories") or [])
        is_banned = category in banned
        if (action == "ban") == is_banned:
            raise DomainError("no_change", _("This data category is already %(state)s.") % {
                "state": _("banned") if is_banned else _("allowed")}, {"category": category})
        if ctx.coop is not None and action == "allow" and category in (ctx.bounds.get("banned_data_categories") or []):
            raise DomainError("invalid_parameter", _("The federation bans this data category for every coop."),
                              {"category": category})
        return {"key": category, "current": is_banned, "proposed": action == "ban"}

    def apply(self, state, change):
        banned = [c for c in state.parameters.get("banned_data_categories", []) if c != change.key]
        if change.proposed:
            banned.append(change.key)
        state.parameters["banned_data_categories"] = sorted(banned)
        state.rulebook_changed = True
        return ""


class StewardChange(ChangeKind):
    scopes = ("coop",)
    elect = True

    def prepare(self, ctx, item):
        membership = Membership.objects.active().select_related("user").filter(
            pk=item.get("membership"), coop=ctx.coop).first()
        if membership is None:
            raise DomainError("invalid_membership", _("Choose an active member of this coop."))
        if self.elect and membership.is_steward:
            raise DomainError("no_change", _("This member is already a steward."))
        if not self.elect and not membership.is_steward:
            raise DomainError("no_change", _("This member is not a steward."))
        return {"key": str(membership.pk), "membership": membership, "current": membership.role,
                "proposed": Membership.Role.STEWARD if self.elect else Membership.Role.MEMBER}

    def apply(self, state, change):
        membership = Membership.objects.get(pk=change.membership_id)
        if not membership.is_active:
            return "member_not_active"
        if membership.is_steward == self.elect:  # already a steward (elect), already not one (recall)
            return "already_done"
        service = _STEWARD_SERVICES["elect" if self.elect else "recall"]
        state.actions.append(lambda proposal: service(membership=membership, proposal=proposal))
        return ""


_STEWARD_SERVICES = {}


def register_steward_services(*, elect, recall):
    """The services that apply an adopted steward change (`coop.governance.services`, which
    imports this module), handed over by `GovernanceConfig.ready()`."""
    _STEWARD_SERVICES.update(elect=elect, recall=recall)


class StewardElect(StewardChange):
    name = "steward_elect"
    elect = True


class StewardRecall(StewardChange):
    name = "steward_recall"
    elect = False


class QualificationRuleChange(ChangeKind):
    """Change the rule of one of the coop's own computed qualifications (tasks.qualifications).
    Adoption publishes its next version through `qualification_version_publish(...,
    proposal_id=...)`, which re-evaluates the members."""

    name = "qualification_rule"

    def _qualification(self, ctx, pk):
        found = Qualification.objects.select_related("current_version").filter(
            pk=pk, coop=ctx.coop, organisation__isnull=True, kind=Qualification.Kind.COMPUTED).first() \
            if str(pk).isdigit() else None
        if found is None:
            raise DomainError("invalid_qualification", _("Choose one of the coop's own computed qualifications."))
        return found

    def prepare(self, ctx, item):
        qualification = self._qualification(ctx, item.get("qualification") or item.get("key"))
        proposed = rule_validate(item.get("rule"))
        current = qualification.current_version.rule if qualification.current_version else None
        if proposed == current:
            raise DomainError("no_change", _("This rule is the same as the version in force."))
        return {"key": str(qualification.pk), "current": current, "proposed": proposed}

    def apply(self, state, change):
        qualification = Qualification.objects.select_related("current_version").get(pk=int(change.key))
        if qualification.current_version and qualification.current_version.rule == change.proposed:
            return "already_done"
        state.actions.append(lambda proposal: qualification_version_publish(
            actor=None, qualification=qualification, rule=change.proposed, proposal_id=proposal.pk,
            reason=f"Proposal #{proposal.pk}"))
        return ""


class SolidarityGrantChange(ChangeKind):
    """A hardship grant from the solidarity fund above what two stewards may grant (issue 23).
    Only `hardship_vote_open` proposes it, for an application a steward has just marked
    `to_vote` (so no member can put an application to a vote past the stewards). `key` is the
    application's id and `proposed` its amount: the statement and the member stay out of the
    proposal. Adoption pays it; any other outcome refuses it."""

    name = "solidarity_grant"

    def prepare(self, ctx, item):
        application = HardshipApplication.objects.filter(
            pk=item.get("application") if str(item.get("application") or "").isdigit() else None,
            coop=ctx.coop, status=HardshipApplication.Status.TO_VOTE).first() if ctx.coop else None
        if application is None:
            raise DomainError("invalid_application", _("Only a steward puts a hardship application to a vote."))
        return {"key": str(application.pk), "current": None, "proposed": application.amount}

    def apply(self, state, change):
        state.actions.append(lambda proposal: hardship_grant_by_vote(application_id=int(change.key),
                                                                     proposal_id=proposal.pk))
        return ""

    def not_adopted(self, proposal, change, outcome):
        hardship_refuse_by_vote(application_id=int(change.key), proposal_id=proposal.pk, outcome=outcome)


class PatronageChange(ChangeKind):
    """Share part of the treasury's surplus by work done (issue 23; docs/patronage.md). Only
    `patronage_vote_open` proposes it, for a distribution a steward has just proposed (its
    shares computed and stored). `key` is the distribution's id, `proposed` its amount.
    Adoption pays it; any other outcome (or a withdrawal) frees the period."""

    name = "patronage"

    def prepare(self, ctx, item):
        pk = item.get("distribution")
        distribution = PatronageDistribution.objects.filter(
            pk=pk if str(pk or "").isdigit() else None, coop=ctx.coop, proposal_id__isnull=True,
            status=PatronageDistribution.Status.PROPOSED).first() if ctx.coop else None
        if distribution is None:
            raise DomainError("invalid_distribution", _("Only a steward proposes to share the surplus."))
        return {"key": str(distribution.pk), "current": None, "proposed": distribution.amount}

    def apply(self, state, change):
        state.actions.append(lambda proposal: patronage_adopt(distribution_id=int(change.key),
                                                              proposal_id=proposal.pk))
        return ""

    def not_adopted(self, proposal, change, outcome):
        patronage_refuse_by_vote(distribution_id=int(change.key), proposal_id=proposal.pk, outcome=outcome)


KINDS = {}


def register_kind(kind):
    """Register a `ChangeKind` (a kind of change a proposal can carry)."""
    KINDS[kind.name] = kind
    return kind


for _kind in (ParameterChange(), ArticleChange(), DataCategoryChange(), StewardElect(), StewardRecall(),
              QualificationRuleChange(), SolidarityGrantChange(), PatronageChange()):
    register_kind(_kind)


def kind_get(name):
    kind = KINDS.get(name)
    if kind is None:
        raise DomainError("unknown_change", _("This kind of change is not known."), {"kind": name})
    return kind
