"""The jobs other code queues for the qualifications (tasks/qualifications/enqueue.py): named by
dotted path, so that they run the jobs module's functions (django-q2 runs them inline in tests)."""

import pytest

from tasks.qualifications import enqueue
from tasks.qualifications.models import QualificationGrant
from tests.factories import CoopFactory, computed_qualification, decided_assignment, member, open_project

pytestmark = pytest.mark.django_db

ONE_APPROVED = {"metric": "approved_assignments", "op": ">=", "value": 1}


def test_the_queued_names_are_the_jobs_and_their_arguments(monkeypatch):
    calls = []
    monkeypatch.setattr(enqueue, "async_task", lambda *args, **kwargs: calls.append((args, kwargs)))
    enqueue.enqueue_qualification_reevaluate(7)
    enqueue.enqueue_member_reevaluate(9)
    assert calls == [(("tasks.qualifications.jobs.qualification_reevaluate_job", 7),
                      {"task_name": "qualification-reevaluate-7"}),
                     (("tasks.qualifications.jobs.member_reevaluate_job", 9), {})]


def test_a_member_reevaluated_through_the_queue_gets_what_they_meet():
    coop = CoopFactory()
    qualification = computed_qualification(coop, ONE_APPROVED, name="Has worked")
    worker = member(coop).user
    decided_assignment(worker, open_project(coop), "approved")
    enqueue.enqueue_member_reevaluate(worker.pk)
    assert QualificationGrant.objects.filter(member=worker, qualification=qualification).exists()
    other = member(coop).user
    decided_assignment(other, open_project(coop), "approved")
    enqueue.enqueue_qualification_reevaluate(qualification.pk)
    assert QualificationGrant.objects.filter(member=other, qualification=qualification).exists()
