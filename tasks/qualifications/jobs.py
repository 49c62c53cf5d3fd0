"""django-q2 entry points of the qualifications app. Each re-reads by id and calls a service.

Schedules (created by migration 0002_job_schedules):
  every 5 minutes  reevaluate_recent   members whose work was decided in the last 15 minutes
                                         (approvals, final rejections, overturns); the overlap is
                                         harmless, re-evaluation is idempotent
  nightly          reevaluate_all      every computed qualification (tenure grows by itself)
  every 5 minutes  attempts_expire     unsubmitted test attempts past their time limit
  hourly           work_watch          tell holders when a qualification's work runs dry or opens
                                         again (issue 23; migration 0005_work_watch_schedule)
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from coop.core.batch import batch_run
from tasks.qualifications.models import ProjectRequirement, Qualification
from tasks.qualifications.records import members_with_activity
from tasks.qualifications.services import (
    attempts_expire_due,
    member_reevaluate,
    qualification_reevaluate,
    qualification_work_check,
)

RECENT_MINUTES = 15


def qualification_reevaluate_job(qualification_id):
    qualification = Qualification.objects.filter(pk=qualification_id).first()
    if qualification is None:
        return None
    return qualification_reevaluate(qualification=qualification)


def member_reevaluate_job(member_id):
    user = User.objects.filter(pk=member_id).first()
    return member_reevaluate(member=user) if user else {}


def reevaluate_recent(minutes=RECENT_MINUTES):
    since = timezone.now() - timedelta(minutes=minutes)
    changed = []
    users = list(User.objects.filter(pk__in=members_with_activity(since=since)).order_by("pk"))
    batch_run(users, lambda user: changed.append(len(member_reevaluate(member=user))),
              name="qualifications.jobs.reevaluate_recent")
    return sum(changed)


def reevaluate_all():
    totals = {"granted": 0, "revoked": 0}

    def step(qualification):
        counts = qualification_reevaluate(qualification=qualification)
        for key in totals:
            totals[key] += counts[key]

    batch_run(list(Qualification.objects.filter(kind=Qualification.Kind.COMPUTED).order_by("pk")), step,
              name="qualifications.jobs.reevaluate_all")
    return totals


def attempts_expire():
    return attempts_expire_due()


def work_watch(now=None):
    """Every qualification some project ever required: record its open work, tell its holders when
    it ran dry for the voted days or opened again (one durable transaction each)."""
    ids = sorted(set(ProjectRequirement.objects.values_list("qualification_id", flat=True)))
    told = []
    batch_run(Qualification.objects.filter(pk__in=ids).order_by("pk"),
              lambda q: told.append(qualification_work_check(qualification=q, now=now)) or True,
              name="qualifications.jobs.work_watch")
    return {"dry": told.count("dry"), "reopened": told.count("reopened")}
