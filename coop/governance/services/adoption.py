"""Adoption: an adopted proposal's changes make the next rulebook version (a coop's, or the
federation's bounds, with every coop brought within them), and its actions run."""

import copy
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop.core.errors import DomainError, NotFound
from coop.eventlog.services import event_record
from coop.federation import rulebook as spec
from coop.federation.locks import federation_for_update
from coop.federation.models import Coop, RulebookVersion
from coop.federation.selectors import federation_bounds, rulebook_in_force
from coop.federation.services import rulebook_version_create
from coop.governance.changes import AdoptionState, check_bound_value, kind_get
from coop.governance.models import Proposal, ProposalChange
from coop.governance.selectors import federation_rulebook_latest


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


def clamp(p: spec.Parameter, value: Any, bound: Any) -> Any:
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
def federation_rulebook_version_create(*, parameters: dict, proposal: Proposal,
                                       now: datetime | None = None) -> RulebookVersion:
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


def coops_bring_within_bounds(*, proposal: Proposal, now: datetime | None) -> None:
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
