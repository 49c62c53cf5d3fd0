import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import MemberProfile, User
from coop.core import clock
from coop.core.db import fetch_one, instance_from_row, select_columns
from coop.core.errors import NotFound
from coop.federation import rulebook as spec
from coop.federation.access import stewardship_of
from coop.federation.models import PARTICIPATION_EVENT_TYPES as PARTICIPATION_EVENT_TYPES
from coop.federation.models import Article, Coop, Federation, Membership, RulebookVersion, active_q, steward_q


@dataclass
class Rulebook:
    """The rulebook in force: read parameters with `rulebook["floor_hourly_rate"]`."""

    coop: Coop | None
    version: int
    effective_at: datetime
    parameters: dict
    record: RulebookVersion

    @cached_property
    def articles(self):
        """The version's articles, read when first asked for: most readers want only parameters
        (a claim, a publish), and a rulebook is read on every one of them."""
        return list(Article.objects.filter(rulebook=self.record).order_by("number"))

    def __getitem__(self, name):
        return self.parameters[name]

    def get(self, name, default=None):
        return self.parameters.get(name, default)

    def fraction(self, name):
        return spec.as_fraction(self.parameters[name])


def federation_get() -> Federation:
    federation = Federation.objects.order_by("pk").first()
    if federation is None:
        raise NotFound("no_federation", _("The federation is not set up yet (run manage.py seed_demo)."))
    return federation


def _version_at(coop, at):
    """The version in force at `at`: the ORM's `filter(coop=coop, effective_at__lte=at)
    .order_by("-number").first()` in a hand-written statement, read at every review, publish
    and floor check (the ORM compiled it at every call: issue 21)."""
    coop_id = getattr(coop, "pk", coop)
    when = connection.ops.adapt_datetimefield_value(at or clock.now())
    row = fetch_one(_version_at_sql(coop_id is None), [when] if coop_id is None else [coop_id, when])
    return instance_from_row(RulebookVersion, row)[0] if row is not None else None


@functools.cache
def _version_at_sql(federation):
    which = "v.coop_id IS NULL" if federation else "v.coop_id = %s"
    return (f"SELECT {select_columns(RulebookVersion, 'v')} FROM {RulebookVersion._meta.db_table} v "
            f"WHERE {which} AND v.effective_at <= %s ORDER BY v.number DESC LIMIT 1")


# Rulebook versions are immutable, written once with their articles (a change is a new version:
# governance adopts it), so what a version says is cached per process under the version's
# identity. Finding the version in force still asks the database (one indexed row), so an
# adoption counts at once in every process. Bounded: the oldest entries go first.
_VERSIONS = {}
_NUMBERED = {}  # (coop id, number) -> key in _VERSIONS
_VERSIONS_MAX = 256


def _version_key(version):
    return (version.pk, version.coop_id, version.number, version.created_at)


def rulebooks_forget() -> None:
    """Empty this process's cache of rulebook versions and coop worlds (tests that reuse primary keys)."""
    _VERSIONS.clear()
    _NUMBERED.clear()
    _SANDBOX_COOPS.clear()


# Whether a coop is a sandbox is fixed when it is created (docs/sandbox.md), so it is cached
# per process once the coop exists; the ledger asks it on every release (the federation fee
# account of the sandbox world is another account).
_SANDBOX_COOPS = {}


def coop_is_sandbox(coop_id: int) -> bool:
    """Is this coop an organisation's sandbox (test money, its staff's personas only)?"""
    known = _SANDBOX_COOPS.get(coop_id)
    if known is None:
        row = Coop.objects.filter(pk=coop_id).values_list("sandbox_of_id", flat=True)
        if not row:
            return False
        known = _SANDBOX_COOPS[coop_id] = row[0] is not None
    return known


def _rulebook_of(coop, version):
    key = _version_key(version)
    cached = _VERSIONS.get(key)
    if cached is None:
        parameters = spec.with_defaults(version.parameters, spec.default_parameters() if version.coop_id is not None
                                        else spec.default_federation_bounds())
        cached = (version, parameters)
        if len(_VERSIONS) >= _VERSIONS_MAX:
            rulebooks_forget()
        _VERSIONS[key] = cached
        _NUMBERED[(version.coop_id, version.number)] = key
    record, parameters = cached
    return Rulebook(coop, record.number, record.effective_at, dict(parameters), record)


def rulebook_in_force(*, coop: Coop | int, at: datetime | None = None) -> Rulebook:
    """The coop's rulebook version in force at `at` (default now), with its articles."""
    version = _version_at(coop, at)
    if version is None:
        raise NotFound("no_rulebook", _("This coop has no rulebook in force yet."))
    return _rulebook_of(coop, version)


def rulebook_numbered(*, coop: Coop | int, number: int) -> Rulebook:
    """The coop's rulebook version `number` (a caller that already read which version is in
    force, e.g. inside the claim's one query): from the cache, or one query the first time."""
    coop_id = getattr(coop, "pk", coop)
    cached = _VERSIONS.get(_NUMBERED.get((coop_id, number)))
    if cached is not None:
        return _rulebook_of(coop, cached[0])
    version = RulebookVersion.objects.filter(coop=coop_id, number=number).first()
    if version is None:
        raise NotFound("no_rulebook", _("This coop has no rulebook in force yet."))
    return _rulebook_of(coop, version)


def federation_bounds(*, at: datetime | None = None) -> dict:
    version = _version_at(None, at)
    defaults = spec.default_federation_bounds()
    return spec.with_defaults(version.parameters, defaults) if version else defaults


def rulebook_rows(*, rulebook: Rulebook) -> list[dict]:
    """Each parameter with its label, value and the federation's bound, for the rulebook page."""
    bounds = federation_bounds(at=rulebook.effective_at)
    rows = []
    for p in spec.PARAMETERS:
        rows.append({
            "name": p.name, "label": p.label, "type": p.type, "value": rulebook.parameters.get(p.name),
            "shown": spec.format_value(p, rulebook.parameters.get(p.name)),
            "bound_kind": p.bound, "bound_value": bounds.get(p.name) if p.bound != "free" else None,
            "bound": spec.describe_bound(p, bounds.get(p.name), spec.format_value),
        })
    return rows


def rulebook_versions(*, coop: Coop) -> QuerySet[RulebookVersion]:
    return RulebookVersion.objects.filter(coop=coop).order_by("-number")


def membership_live(*, user: User | AnonymousUser) -> Membership | None:
    """The user's current membership (applicant, active or suspended), or the last one."""
    if not user.is_authenticated:
        return None
    qs = Membership.objects.select_related("coop", "status_article").filter(user=user)
    live = qs.filter(status__in=Membership.LIVE).first()
    return live or qs.order_by("-applied_at", "-pk").first()


def membership_active(*, user: User | AnonymousUser, coop: Coop | int | None = None) -> Membership | None:
    if not user.is_authenticated:
        return None
    qs = Membership.objects.active().select_related("coop").filter(user=user)
    if coop is not None:
        qs = qs.filter(coop=coop)
    return qs.first()


def memberships_of_coop(*, coop: Coop | int, status: str | None = None) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user", "user__profile", "status_article").filter(coop=coop)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-applied_at", "-pk")


def coops_all() -> QuerySet[Coop]:
    """The federation's coops (an organisation's sandbox coop is not one: docs/sandbox.md)."""
    return Coop.objects.filter(sandbox_of__isnull=True).order_by("name")


def members_participating(*, coop: Coop, at: datetime | None = None) -> QuerySet[Membership]:
    """Active memberships whose user did any work, voted or joined within the rulebook's
    `participation_window_days` before `at`."""
    at = at or clock.now()
    window = rulebook_in_force(coop=coop, at=at)["participation_window_days"]
    since_us = int((at - timedelta(days=window)).timestamp() * 1_000_000)
    until_us = int(at.timestamp() * 1_000_000)
    return Membership.objects.participating(coop=coop, since_us=since_us, until_us=until_us)


def steward_membership(*, user: User) -> Membership | None:
    """The user's active steward membership (its coop is the one their steward pages show), or None."""
    return stewardship_of(user)


def coop_applications(*, coop: Coop | int) -> QuerySet[Membership]:
    return memberships_of_coop(coop=coop, status=Membership.Status.APPLICANT).order_by("applied_at", "pk")


def coop_members(*, coop: Coop | int, status: str | None = None) -> QuerySet[Membership]:
    """Members of the coop (active and suspended by default), stewards first."""
    qs = memberships_of_coop(coop=coop)
    qs = qs.filter(status=status) if status else qs.filter(status__in=(Membership.Status.ACTIVE,
                                                                       Membership.Status.SUSPENDED))
    return qs.order_by("-role", "user__email")


def users_by_emails(*, emails: Iterable[str]) -> list[User]:
    """The users with these emails, in the given order; NotFound naming any unknown email."""
    found = {u.email: u for u in User.objects.filter(email__in=[e.lower() for e in emails])}
    missing = [e for e in emails if e.lower() not in found]
    if missing:
        raise NotFound("unknown_user", _("No account with the email %(emails)s.") % {"emails": ", ".join(missing)},
                       {"emails": missing})
    return [found[e.lower()] for e in emails]


def coops_with_counts() -> QuerySet[Coop]:
    active = models.Count("memberships", filter=active_q("memberships__"))
    stewards = models.Count("memberships", filter=steward_q("memberships__"))
    return Coop.objects.filter(sandbox_of__isnull=True).annotate(active_count=active, steward_count=stewards) \
        .order_by("name")


KINDS_OF_WORK_DAYS = 90


def coops_for_applicants(*, work_kinds: dict[int, dict[str, int]] | None = None) -> list[dict]:
    """What a person choosing a coop needs: each coop with its floor hourly rate (from the
    rulebook in force), the languages its active members work in (most spoken first) and the
    kinds of work (project categories) it received in the last 90 days, most frequent first.
    The marketplace sits above the federation, so the page passes those kinds in:
    `work_kinds` is `tasks.selectors.project_categories_by_coop(days=KINDS_OF_WORK_DAYS)`.

    One query for the coops, one per coop for its rulebook, one for languages (and one for work)."""
    coops = list(Coop.objects.filter(sandbox_of__isnull=True).order_by("name"))
    languages = {}
    rows = MemberProfile.objects.filter(active_q("user__memberships__")).values_list(
        "user__memberships__coop_id", "languages")
    for coop_id, langs in rows:
        counts = languages.setdefault(coop_id, {})
        for code in langs or []:
            counts[code] = counts.get(code, 0) + 1
    kinds = work_kinds or {}
    result = []
    for coop in coops:
        version = _version_at(coop, None)
        result.append({
            "coop": coop,
            "floor": version.parameters.get("floor_hourly_rate") if version else None,
            "languages": sorted(languages.get(coop.pk, {}), key=lambda c: (-languages[coop.pk][c], c)),
            "kinds": sorted(kinds.get(coop.pk, {}), key=lambda c: (-kinds[coop.pk][c], c)),
        })
    return result
