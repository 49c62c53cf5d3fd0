"""Reads of the ledger shared by pages, the API and jobs. Balances come from the balance
table (constant time); statements read postings with the running balance stored on them."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Organisation, User
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from ledger import posting
from ledger.models import (
    Account,
    Balance,
    ExchangeRate,
    HardshipApplication,
    PatronageDistribution,
    PatronageShare,
    Payout,
    Posting,
    Reconciliation,
    Transaction,
)


def _balance(ref_filter):
    return Balance.objects.filter(**ref_filter).aggregate(total=Sum("amount"))["total"] or 0


def _owned(kind, owner_kind, owner_id):
    return {"account__kind": kind, "account__owner_kind": owner_kind, "account__owner_id": owner_id}


def wallet_balance(*, user: User) -> int:
    return _balance(_owned(Account.Kind.WALLET, posting.OWNER_USER, user.pk))


def requester_balance(*, organisation: Organisation) -> int:
    return _balance(_owned(Account.Kind.REQUESTER, posting.OWNER_ORGANISATION, organisation.pk))


def escrow_balance(*, project: models.Model) -> int:
    return _balance(_owned(Account.Kind.ESCROW, posting.escrow_owner_kind(project), project.pk))


def escrow_balances(*, project_ids: Iterable[int]) -> dict[int, int]:
    """{project id: escrow balance} for many projects in one query."""
    rows = Balance.objects.filter(account__kind=Account.Kind.ESCROW, account__owner_kind=posting.OWNER_PROJECT,
                                  account__owner_id__in=list(project_ids)).values_list("account__owner_id", "amount")
    return dict(rows)


def coop_fund_balances(*, coop: Coop) -> dict[str, int]:
    """The coop's treasury and juror fund, each summed over its sub-accounts, and the money
    waiting in payout clearing."""
    rows = (Balance.objects.filter(account__owner_kind=posting.OWNER_COOP, account__owner_id=coop.pk)
            .values("account__kind").annotate(total=Sum("amount")))
    totals = {row["account__kind"]: row["total"] for row in rows}
    return {
        "treasury": totals.get(Account.Kind.TREASURY, 0),
        "juror_fund": totals.get(Account.Kind.JUROR_FUND, 0),
        "solidarity_fund": totals.get(Account.Kind.SOLIDARITY_FUND, 0),
        "payout_clearing": totals.get(Account.Kind.PAYOUT_CLEARING, 0),
    }


def federation_fee_balance(*, sandbox: bool = False) -> int:
    return _balance({"account__kind": Account.Kind.FEDERATION_FEE,
                     "account__owner_kind": posting.OWNER_SANDBOX_FEDERATION if sandbox else posting.OWNER_FEDERATION})


# --- held amounts: what the marketplace holds for a member ------------------------------
# The marketplace registers a source: fn(*, user) -> list of {"label", "amount", "link"}
# (escrowed work awaiting approval or appeal). The wallet shows their sum and each line.
_held_sources = []


def register_held_source(fn: Callable[..., list[dict]]) -> Callable[..., list[dict]]:
    if fn not in _held_sources:
        _held_sources.append(fn)
    return fn


def wallet_held(*, user: User) -> dict:
    """Lines of money held for the member (from every registered source) and their total."""
    lines = []
    for source in _held_sources:
        lines.extend(source(user=user))
    return {"lines": lines, "total": sum(int(line["amount"]) for line in lines)}


# --- escrow obligations: what the marketplace owes out of each escrow ------------------
# An escrow account is owned by a project or by another funded thing held like one (a paid
# qualification test): `(owner kind, owner id)`, never the id alone, since a project and a
# test can share an id. Each owner kind registers its source:
# fn(*, ids) -> {owner id: amount still owed from its escrow}; the reconciliation checks that
# every escrow equals its open obligations.
_obligation_sources = {}


def register_escrow_obligations(fn: Callable[..., dict[int, int]], *,
                                owner_kind: str = posting.OWNER_PROJECT) -> Callable[..., dict[int, int]]:
    sources = _obligation_sources.setdefault(owner_kind, [])
    if fn not in sources:
        sources.append(fn)
    return fn


def escrow_obligations(*, owners: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int] | None:
    """{(owner kind, owner id): owed} for the escrow `owners` ((owner kind, owner id) pairs) whose
    owner kind has a registered source; None when no source is registered at all."""
    if not _obligation_sources:
        return None
    by_kind = {}
    for owner_kind, owner_id in owners:
        by_kind.setdefault(owner_kind, []).append(owner_id)
    owed = {}
    for owner_kind, ids in by_kind.items():
        for source in _obligation_sources.get(owner_kind, ()):
            for pk, amount in source(ids=ids).items():
                owed[(owner_kind, pk)] = owed.get((owner_kind, pk), 0) + int(amount)
    return owed


def escrow_owner_kinds_checked() -> set[str]:
    return set(_obligation_sources)


# --- further checks the reconciliation runs (registered by the apps that own the rows) --
# fn() -> list of findings ({"check": <code>, ...}); an empty list when all is well.
_reconciliation_checks = []


def register_reconciliation_check(fn: Callable) -> Callable:
    if fn not in _reconciliation_checks:
        _reconciliation_checks.append(fn)
    return fn


def reconciliation_checks() -> list[Callable]:
    return list(_reconciliation_checks)


# --- patronage: the work each member did, from the marketplace (docs/patronage.md) -------
# One source, fn(*, coop_id, start, end) -> {user id: {"paid_minutes", "amount", "tasks"}}: the
# approved (paid) work of the coop's projects in [start, end). The ledger imports no app code.
_work_sources = []


def register_work_source(fn: Callable[..., dict]) -> None:
    _work_sources[:] = [fn]


def work_done(*, coop_id: int, start: datetime, end: datetime) -> dict[int, dict]:
    return _work_sources[0](coop_id=coop_id, start=start, end=end) if _work_sources else {}


def patronage_distributions(*, coop: Coop) -> QuerySet[PatronageDistribution]:
    return PatronageDistribution.objects.filter(coop=coop).order_by("-period_start", "-pk")


def patronage_shares_of(*, user: User, distributions: Iterable[PatronageDistribution]) -> dict[int, PatronageShare]:
    """{distribution id: the member's share} in one query."""
    ids = [d.pk for d in distributions]
    return {s.distribution_id: s for s in PatronageShare.objects.filter(user=user, distribution_id__in=ids)}


# --- statements -------------------------------------------------------------------------

# What a transaction was for (the task and project behind an escrow release, a bonus, a
# refund): the apps that own those rows register a source, fn(*, keys) -> {key: subject},
# subject = {"label": str, "member_link": str, "requester_link": str}. The ledger imports no
# app code (see register_held_source).
_SUBJECT_SOURCES = []


def register_statement_subjects(fn: Callable[..., dict]) -> None:
    if fn not in _SUBJECT_SOURCES:
        _SUBJECT_SOURCES.append(fn)


def statement_subjects(lines: Iterable[Posting]) -> list[Posting]:
    """Set `subject` on each statement line (a Posting with its transaction): what the money
    was for, or None. One query per source, whatever the number of lines."""
    lines = list(lines)
    keys = {line.transaction.key for line in lines}
    found = {}
    for fn in _SUBJECT_SOURCES:
        found.update(fn(keys=keys) if keys else {})
    for line in lines:
        line.subject = found.get(line.transaction.key)
    return lines


def month_bounds(month: str | None) -> tuple[datetime, datetime] | None:
    """'2026-11' -> (start, end) aware datetimes, or None for a bad or empty value."""
    if not month:
        return None
    try:
        start = datetime.strptime(month, "%Y-%m")
    except ValueError:
        return None
    start = timezone.make_aware(start, timezone.get_current_timezone())
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _statement(account_filter, month=None):
    qs = (Posting.objects.filter(**account_filter)
          .select_related("transaction").order_by("-pk"))
    bounds = month_bounds(month)
    if bounds:
        qs = qs.filter(transaction__created_at__gte=bounds[0], transaction__created_at__lt=bounds[1])
    return qs


def wallet_statement(*, user: User, month: str | None = None) -> QuerySet[Posting]:
    """The member's wallet postings, newest first, each with `balance_after` (running)."""
    return _statement({"account__kind": Account.Kind.WALLET, "account__owner_kind": posting.OWNER_USER,
                       "account__owner_id": user.pk}, month)


def requester_statement(*, organisation: Organisation, month: str | None = None) -> QuerySet[Posting]:
    return _statement({"account__kind": Account.Kind.REQUESTER, "account__owner_kind": posting.OWNER_ORGANISATION,
                       "account__owner_id": organisation.pk}, month)


def statement_months(qs: QuerySet[Posting]) -> list[str]:
    """The months present in a statement queryset, newest first ('YYYY-MM')."""
    dates = qs.order_by().dates("transaction__created_at", "month", order="DESC")
    return [d.strftime("%Y-%m") for d in dates]


def escrow_by_project(*, organisation: Organisation) -> dict[int, int]:
    """The organisation's projects that have an escrow, with the escrow balance.
    (Projects are read through the ledger's accounts: the ledger imports no tasks model.)"""
    project_ids = set(
        Posting.objects.filter(transaction__kind=Transaction.Kind.ESCROW_HOLD,
                               transaction__postings__account__kind=Account.Kind.REQUESTER,
                               transaction__postings__account__owner_id=organisation.pk,
                               account__kind=Account.Kind.ESCROW)
        .values_list("account__owner_id", flat=True)
    )
    return escrow_balances(project_ids=project_ids)


# --- payouts ----------------------------------------------------------------------------

def payouts_of(*, user: User) -> QuerySet[Payout]:
    return Payout.objects.filter(user=user).order_by("-requested_at", "-pk")


def payouts_queue(*, coop: Coop) -> QuerySet[Payout]:
    """Open payouts of the coop, oldest first, for its stewards."""
    return (Payout.objects.filter(coop=coop, status__in=Payout.OPEN)
            .select_related("user", "user__profile", "first_steward").order_by("requested_at", "pk"))


def payouts_recent(*, coop: Coop, limit: int = 20) -> QuerySet[Payout]:
    return (Payout.objects.filter(coop=coop).exclude(status__in=Payout.OPEN)
            .select_related("user", "user__profile", "decided_by").order_by("-decided_at", "-pk")[:limit])


def transactions_recent(*, kind: str | None = None, limit: int = 50) -> QuerySet[Transaction]:
    qs = Transaction.objects.order_by("-pk")
    if kind:
        qs = qs.filter(kind=kind)
    return qs[:limit]


def reconciliations_recent(*, limit: int = 5) -> QuerySet[Reconciliation]:
    return Reconciliation.objects.order_by("-started_at", "-pk")[:limit]


def payout_owners(ids: Iterable[int]) -> dict[int, int]:
    """{payout id: its member's user id} (the event log's owner lookup for payout events)."""
    return dict(Payout.objects.filter(pk__in=ids).values_list("pk", "user_id"))


def juror_fund_outlook(*, coop: Coop, now: datetime | None = None, days: int = 30) -> dict:
    """For stewards: the juror fund's balance, the treasury behind it, the voted reserve, what a
    case costs, how many cases the fund covers and, at the pace of the last `days` days, how
    many days it lasts (None when nothing was paid lately), and the latest movements in."""
    now = now or timezone.now()
    funds = coop_fund_balances(coop=coop)
    rulebook = rulebook_in_force(coop=coop)
    per_juror = rulebook["floor_hourly_rate"] * rulebook["juror_minutes"] // 60
    per_case = per_juror * rulebook["jury_size"]
    fund_postings = Posting.objects.filter(account__kind=Account.Kind.JUROR_FUND,
                                           account__owner_kind=posting.OWNER_COOP, account__owner_id=coop.pk)
    paid = -(fund_postings.filter(amount__lt=0, transaction__created_at__gte=now - timedelta(days=days))
             .aggregate(total=Sum("amount"))["total"] or 0)
    balance = funds["juror_fund"]
    return {
        "balance": balance, "treasury": funds["treasury"], "reserve": rulebook["juror_fund_reserve"],
        "per_juror": per_juror, "per_case": per_case, "cases_covered": balance // per_case if per_case else None,
        "paid_recently": paid, "days": days,
        "runway_days": balance * days // paid if paid else None,
        "movements": list(fund_postings.select_related("transaction").order_by("-pk")[:10]),
    }


# --- the solidarity fund (issue 23) --------------------------------------------------------

def solidarity_fund_balance(*, coop: Coop) -> int:
    return _balance(_owned(Account.Kind.SOLIDARITY_FUND, posting.OWNER_COOP, coop.pk))


def solidarity_months(*, coop: Coop, months: int = 12) -> list[dict]:
    """The fund month by month, public to the coop's members: inflows (fee share, members'
    contributions), grants (count and total, nobody named) and the balance at the month's end.
    Newest first, at most `months` months that saw a movement."""
    rows = (Posting.objects.filter(account__kind=Account.Kind.SOLIDARITY_FUND, account__owner_kind=posting.OWNER_COOP,
                                   account__owner_id=coop.pk)
            .annotate(month=TruncMonth("transaction__created_at"))
            .values("month", "transaction__kind").annotate(total=Sum("amount"), n=Count("transaction", distinct=True))
            .order_by("month"))
    by_month, balance = {}, 0
    for row in rows:
        month = by_month.setdefault(row["month"], {"month": row["month"], "fees": 0, "contributions": 0,
                                                   "grants": 0, "grant_count": 0, "other": 0})
        kind, total = row["transaction__kind"], row["total"]
        if kind == Transaction.Kind.SOLIDARITY_FEE_SHARE:
            month["fees"] += total
        elif kind == Transaction.Kind.SOLIDARITY_CONTRIBUTION:
            month["contributions"] += total
        elif kind == Transaction.Kind.SOLIDARITY_GRANT:
            month["grants"] -= total
            month["grant_count"] += row["n"]
        else:  # a correction
            month["other"] += total
    for month in by_month.values():
        balance += month["fees"] + month["contributions"] - month["grants"] + month["other"]
        month["balance"] = balance
    return sorted(by_month.values(), key=lambda m: m["month"], reverse=True)[:months]


def solidarity_grants_public(*, coop: Coop, limit: int = 20) -> list[HardshipApplication]:
    """The latest grants as members see them: date, amount and who decided (stewards or a vote),
    never the member nor the statement."""
    return list(HardshipApplication.objects.filter(coop=coop, status=HardshipApplication.Status.GRANTED)
                .order_by("-decided_at", "-pk").values("decided_at", "amount", "decided_via")[:limit])


def hardship_applications_of(*, user: User) -> QuerySet[HardshipApplication]:
    """A member's own applications (their statement included: it is theirs)."""
    return HardshipApplication.objects.filter(user=user).order_by("-created_at", "-pk")


def hardship_queue(*, coop: Coop) -> QuerySet[HardshipApplication]:
    """For the coop's stewards: the applications waiting for a decision, with the statement."""
    return (HardshipApplication.objects.filter(coop=coop, status__in=HardshipApplication.OPEN)
            .select_related("user", "user__profile", "first_steward").order_by("created_at", "pk"))


def hardship_decided(*, coop: Coop, limit: int = 20) -> QuerySet[HardshipApplication]:
    return (HardshipApplication.objects.filter(coop=coop).exclude(status__in=HardshipApplication.OPEN)
            .select_related("user", "user__profile", "decided_by").order_by("-decided_at", "-pk")[:limit])


# --- the sandbox world (docs/sandbox.md) -------------------------------------------------------
# Accounts are owned by sandbox things (a persona, a twin organisation, a sandbox coop) or by
# the sandbox's own federation and world; escrows by projects or tests of a sandbox coop,
# which the marketplace and the qualifications register: fn(ids) -> the ids in a sandbox.
_sandbox_owner_sources: dict[str, Callable[[list[int]], Iterable[int]]] = {}


def register_sandbox_owners(fn: Callable[[list[int]], Iterable[int]], *, owner_kind: str) -> None:
    _sandbox_owner_sources[owner_kind] = fn


def sandbox_account_ids() -> QuerySet[Account, int]:
    owners = {
        posting.OWNER_USER: set(User.objects.filter(sandbox_of__isnull=False).values_list("pk", flat=True)),
        posting.OWNER_ORGANISATION: set(Organisation.objects.filter(sandbox_of__isnull=False)
                                        .values_list("pk", flat=True)),
        posting.OWNER_COOP: set(Coop.objects.filter(sandbox_of__isnull=False).values_list("pk", flat=True)),
    }
    q = Q(owner_kind__in=[posting.OWNER_SANDBOX_FEDERATION, posting.OWNER_SANDBOX_WORLD])
    for kind, ids in owners.items():
        if ids:
            q |= Q(owner_kind=kind, owner_id__in=ids)
    for kind, fn in _sandbox_owner_sources.items():
        ids = Account.objects.filter(kind=Account.Kind.ESCROW, owner_kind=kind).values_list("owner_id", flat=True)
        inside = set(fn(list(ids)))
        if inside:
            q |= Q(kind=Account.Kind.ESCROW, owner_kind=kind, owner_id__in=inside)
    return Account.objects.filter(q).values_list("pk", flat=True)


def exchange_rate_in_force(*, currency: str) -> ExchangeRate | None:
    """The operator's latest rate of `currency` (by date, then the last set), or None (display only)."""
    return ExchangeRate.objects.filter(currency=currency).order_by("-date", "-pk").first()
