"""Disturbing content (issue 23 part 2; docs/disturbing-content.md): how much of it a member may
see, and what it pays.

Two data categories are *disturbing*: violent or graphic content, and the review of hateful or
sexual abuse material. Like every flag they need the member's consent per project, and a coop
can ban them by vote (`banned_data_categories`). On top of that, each coop votes:

- `disturbing_tasks_per_day`: the most such tasks a member may take in a day (UTC), counting
  every claim, returned or expired ones too (the member saw the item);
- `disturbing_minutes_in_a_row` and `disturbing_pause_minutes`: work on such tasks with gaps
  shorter than the pause counts as one stretch; once a stretch reaches the minutes in a row,
  the member pauses for `disturbing_pause_minutes` after their last task ended;
- `disturbing_premium_pct`: such work pays at least the floor plus this premium (checked at
  publish, `floor_for`).

`exposure_reasons` is an eligibility check (`tasks.eligibility.register_check`), so the feed
and the project page say why a member cannot take more (never hidden, never an error page),
and the claim runs it after taking the member's membership lock: two claims of one member
queue, and the second counts the first (concurrency cannot push a member past the limit)."""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tasks.models import Assignment, Project

DISTURBING = frozenset({"violent_or_graphic", "abuse_material_review"})
EXPOSURE_CODES = frozenset({"exposure_daily_limit", "exposure_pause"})


def is_disturbing(flags) -> bool:
    return bool(DISTURBING & set(flags or ()))


def floor_for(rulebook, flags) -> int:
    """The hourly floor a project with these flags must pay: the coop's floor, plus the voted
    premium for disturbing content (rounded up)."""
    floor = rulebook["floor_hourly_rate"]
    if not is_disturbing(flags):
        return floor
    return -(-floor * (100 + rulebook["disturbing_premium_pct"]) // 100)


def _day_start(now: datetime) -> datetime:
    utc = now.astimezone(timezone.get_fixed_timezone(0))
    return utc.replace(hour=0, minute=0, second=0, microsecond=0)


def exposure_state(*, member, rulebook, now: datetime | None = None) -> dict:
    """The member's exposure now: disturbing tasks taken today, the current stretch's minutes,
    and until when they must pause (None if they need not)."""
    now = now or timezone.now()
    pause = timedelta(minutes=rulebook["disturbing_pause_minutes"])
    since = min(_day_start(now), now - timedelta(minutes=rulebook["disturbing_minutes_in_a_row"]) - pause)
    rows = (Assignment.objects.filter(member=member, claimed_at__gte=since)
            .values_list("claimed_at", "submitted_at", "ended_at", "project__data_flags").order_by("claimed_at"))
    spans = [(claimed, min(submitted or ended or now, now)) for claimed, submitted, ended, flags in rows
             if is_disturbing(flags)]
    today = sum(1 for claimed, _end in spans if claimed >= _day_start(now))
    start = end = None
    for claimed, finished in spans:  # oldest first: stretches joined by gaps shorter than the pause
        if end is None or claimed - end >= pause:
            start, end = claimed, finished
        else:
            end = max(end, finished)
    minutes = int((end - start).total_seconds() // 60) if end is not None and now - end < pause else 0
    pause_until = end + pause if minutes >= rulebook["disturbing_minutes_in_a_row"] else None
    return {"today": today, "minutes_in_a_row": minutes, "pause_until": pause_until,
            "per_day": rulebook["disturbing_tasks_per_day"], "max_minutes": rulebook["disturbing_minutes_in_a_row"],
            "pause_minutes": rulebook["disturbing_pause_minutes"]}


def exposure_reasons(*, member, project, ctx):
    """Eligibility: the member reached today's limit of disturbing tasks, or must pause."""
    if not is_disturbing(project.data_flags) or ctx.membership is None:
        return []
    state = exposure_state(member=member, rulebook=ctx.rulebook(project.coop_id), now=ctx.at)
    if state["today"] >= state["per_day"]:
        return [{"code": "exposure_daily_limit", "message": _(
            "You took %(n)s tasks with disturbing content today, the most your coop allows in a day to protect its "
            "members. You can take more tomorrow; other work is open to you now.") % {"n": state["today"]}}]
    if state["pause_until"] is not None:
        return [{"code": "exposure_pause", "message": _(
            "You worked %(m)s minutes in a row on disturbing content: your coop asks for a pause of %(p)s minutes. "
            "You can take such tasks again at %(when)s.") % {
            "m": state["minutes_in_a_row"], "p": state["pause_minutes"],
            "when": formats.time_format(timezone.localtime(state["pause_until"]), "TIME_FORMAT")}}]
    return []


exposure_reasons.wants_context = True
exposure_reasons.applies = lambda project: is_disturbing(project.data_flags)
# the claim's database function (tasks migration 0011) does not count exposure: a claim of a
# disturbing project runs in Python, where this check says nothing about any other project
exposure_reasons.in_database = lambda project: not is_disturbing(project.data_flags)


def did_disturbing_work(*, member, coop_id: int) -> bool:
    """Has `member` ever taken a task with disturbing content in one of the coop's projects? They
    may use the coop's private support room (issue 23). One query over the member's projects."""
    flags = (Project.objects.filter(coop_id=coop_id, assignments__member=member)
             .values_list("data_flags", flat=True).distinct())
    return any(is_disturbing(f) for f in flags)
