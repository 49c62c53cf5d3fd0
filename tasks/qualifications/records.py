"""Members' records: the value of each metric a rule names, computed for many members at once
(one query per clause key, whatever the number of members).

Only final rejections count against a member (DESIGN.md seam 6): `rejection_final` and
`upheld`. Paid outcomes (`approved`, `overturned`, `voided`) count as approved work. A
decision's time is `finalised_at` when set (appeal outcomes, final rejections), else
`reviewed_at`."""

from datetime import timedelta
from fractions import Fraction

from django.db.models import Count, F, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import MemberProfile
from coop.federation.models import Membership
from tasks.models import Assignment
from tasks.qualifications.models import Attempt
from tasks.qualifications.rules import rule_keys
from tasks.quality.selectors import gold_accuracy_of

PAID = ("approved", "overturned", "voided")
FINAL_REJECTIONS = ("rejection_final", "upheld")


def _parse_key(key):
    name, _sep, query = key.partition("?")
    params = {}
    for part in filter(None, query.split("&")):
        k, _eq, v = part.partition("=")
        params[k] = int(v) if v.isdigit() and k != "category" else v
    return name, params


def _assignments():
    return Assignment.objects.annotate(decided_at=Coalesce(F("finalised_at"), F("reviewed_at")))


def _counts(qs, ids):
    rows = qs.filter(member_id__in=ids).values("member_id").annotate(n=Count("pk")).values_list("member_id", "n")
    found = dict(rows)
    return {i: found.get(i, 0) for i in ids}


def _approved(ids, params, now):
    qs = _assignments().filter(status__in=PAID)
    if params.get("category"):
        qs = qs.filter(project__category=params["category"])
    if params.get("days"):
        qs = qs.filter(decided_at__gte=now - timedelta(days=params["days"]))
    return _counts(qs, ids)


def _final_rejections(ids, params, now):
    qs = _assignments().filter(status__in=FINAL_REJECTIONS)
    if params.get("days"):
        qs = qs.filter(decided_at__gte=now - timedelta(days=params["days"]))
    return _counts(qs, ids)


def _overturned(ids, params, now):
    return _counts(_assignments().filter(status="overturned"), ids)


def _approval_rate(ids, params, now):
    """Rate over each member's last `last` decided assignments; None below `min_count`."""
    last, minimum = params["last"], params["min_count"]
    ranked = (_assignments().filter(member_id__in=ids, status__in=PAID + FINAL_REJECTIONS)
              .annotate(rank=Window(RowNumber(), partition_by=[F("member_id")],
                                    order_by=[F("decided_at").desc(nulls_last=True), F("pk").desc()]))
              .filter(rank__lte=last)
              .values_list("member_id", "status"))
    tally = {}
    for member_id, status in ranked:
        good, total = tally.get(member_id, (0, 0))
        tally[member_id] = (good + (status in PAID), total + 1)
    values, decided = {}, {}
    for i in ids:
        good, total = tally.get(i, (0, 0))
        decided[i] = total
        values[i] = Fraction(good * 100, total) if total >= minimum else None
    return values, decided


def _tenure(ids, params, now):
    joined = dict(Membership.objects.active().filter(user_id__in=ids)
                  .values_list("user_id", "joined_at"))
    return {i: (now - joined[i]).days if joined.get(i) else 0 for i in ids}


def _tests_passed(ids, params, now):
    rows = (Attempt.objects.filter(member_id__in=ids, passed=True).values("member_id")
            .annotate(n=Count("test_id", distinct=True)).values_list("member_id", "n"))
    found = dict(rows)
    return {i: found.get(i, 0) for i in ids}


def _profiles(ids, field):
    return dict(MemberProfile.objects.filter(user_id__in=ids).values_list("user_id", field))


def _languages(ids, params, now):
    found = _profiles(ids, "languages")
    return {i: sorted(str(code).lower() for code in (found.get(i) or [])) for i in ids}


def _country(ids, params, now):
    found = _profiles(ids, "country")
    return {i: (found.get(i) or "").upper() or None for i in ids}


COMPUTE = {
    "approved_assignments": _approved,
    "final_rejections": _final_rejections,
    "overturned_rejections": _overturned,
    "tenure_days": _tenure,
    "tests_passed": _tests_passed,
    "languages": _languages,
    "country": _country,
}


def records_for(*, member_ids, keys, now=None):
    """{member id: record} with a value for each clause key in `keys`."""
    now = now or timezone.now()
    ids = list(member_ids)
    records = {i: {} for i in ids}
    if not ids:
        return records
    for key in sorted(set(keys)):
        name, params = _parse_key(key)
        if name == "gold_accuracy":  # tasks/quality: answers of gold tasks against their expected answer
            values, counts = gold_accuracy_of(member_ids=ids, min_count=params["min_count"],
                                              category=params.get("category"))
            for i in ids:
                records[i][key] = values[i]
                records[i][key + "#gold"] = counts[i]
            continue
        if name == "approval_rate":
            values, decided = _approval_rate(ids, params, now)
            for i in ids:
                records[i][key] = values[i]
                records[i][key + "#decided"] = decided[i]
            continue
        values = COMPUTE[name](ids, params, now)
        for i in ids:
            records[i][key] = values[i]
    return records


def record_for(*, member, rule, now=None):
    member_id = getattr(member, "pk", member)
    return records_for(member_ids=[member_id], keys=rule_keys(rule), now=now)[member_id]


def members_with_activity(*, since):
    """Members whose record changed since `since`: decisions on their work."""
    return set(_assignments().filter(Q(reviewed_at__gte=since) | Q(finalised_at__gte=since))
               .values_list("member_id", flat=True).distinct())
