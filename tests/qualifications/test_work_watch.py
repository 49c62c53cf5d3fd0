"""Qualified, then the work vanished (issue 23 part 4): holders are told once when no open
project has needed their qualification for the coop's voted number of days, and once when work
for it opens again (the hourly job); "My qualifications" shows the open work per qualification
and the last 30 days'."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from coop.eventlog.models import Event
from tasks.models import Project
from tasks.qualifications.jobs import work_watch
from tasks.qualifications.models import ProjectRequirement
from tasks.qualifications.services import qualification_grant
from tests.factories import CoopFactory, granted_qualification, member, open_project, steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    coop = CoopFactory(params={"qualification_drought_days": 5})
    boss = steward(coop).user
    qualification = granted_qualification(coop)
    holders = [member(coop).user for _ in range(2)]
    for holder in holders:
        qualification_grant(actor=boss, qualification=qualification, member=holder,
                            reason="Reviews carefully and kindly.")
    project = open_project(coop, tasks=2)
    ProjectRequirement.objects.create(project=project, qualification=qualification, added_by=boss)
    return {"coop": coop, "qualification": qualification, "holders": holders, "project": project, "boss": boss}


def told(user, fragment):
    return Notice.objects.filter(user=user, kind="qualification", message__contains=fragment).count()


def test_holders_are_told_once_when_work_runs_dry_and_once_when_it_opens_again(setting):
    now = timezone.now()
    assert work_watch(now=now) == {"dry": 0, "reopened": 0}  # work is open: seen now
    Project.objects.filter(pk=setting["project"].pk).update(status=Project.Status.CANCELLED)
    assert work_watch(now=now + timedelta(days=4)) == {"dry": 0, "reopened": 0}  # not yet 5 days
    assert work_watch(now=now + timedelta(days=5, minutes=1)) == {"dry": 1, "reopened": 0}
    assert work_watch(now=now + timedelta(days=6)) == {"dry": 0, "reopened": 0}  # told once
    for holder in setting["holders"]:
        assert told(holder, "No open work has needed") == 1
    event = Event.objects.get(type="qualification.work_dried_up")
    assert event.payload_json["days"] == 5 and event.payload_json["holders"] == 2
    fresh = open_project(setting["coop"], tasks=1)
    ProjectRequirement.objects.create(project=fresh, qualification=setting["qualification"], added_by=setting["boss"])
    assert work_watch(now=now + timedelta(days=7)) == {"dry": 0, "reopened": 1}
    assert work_watch(now=now + timedelta(days=7, hours=1)) == {"dry": 0, "reopened": 0}
    for holder in setting["holders"]:
        assert told(holder, "is open again") == 1
    assert Event.objects.filter(type="qualification.work_reopened").count() == 1


def test_a_revoked_holder_is_not_told(setting):
    from tasks.qualifications.services import qualification_revoke

    gone = setting["holders"][0]
    qualification_revoke(actor=setting["boss"], qualification=setting["qualification"], member=gone,
                         reason="Asked to step back for a while.")
    Project.objects.filter(pk=setting["project"].pk).update(status=Project.Status.PAUSED)
    work_watch(now=timezone.now() + timedelta(days=6))
    assert told(gone, "No open work") == 0 and told(setting["holders"][1], "No open work") == 1


def test_a_qualification_no_project_ever_required_is_not_watched():
    coop = CoopFactory()
    qualification = granted_qualification(coop)
    holder = member(coop).user
    qualification_grant(actor=steward(coop).user, qualification=qualification, member=holder,
                        reason="Reviews carefully and kindly.")
    assert work_watch(now=timezone.now() + timedelta(days=90)) == {"dry": 0, "reopened": 0}
    assert not Notice.objects.filter(user=holder, kind="qualification", message__contains="No open work").exists()


def test_my_qualifications_shows_open_work_and_the_last_30_days(client, setting):
    from tasks.services import assignment_claim

    holder = setting["holders"][0]
    assignment_claim(member=holder, project=setting["project"])
    client.force_login(holder)
    html = client.get(reverse("qualifications:mine")).content.decode()
    assert 'data-open="1"' in html
    assert "Open work that needs it: 1 project (1 tasks)." in html
    assert "In the last 30 days: 1 project needed it; you did 1 of its tasks." in html
