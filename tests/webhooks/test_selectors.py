"""The webhooks' reads (tasks/webhooks/selectors.py): the subscriptions that want an event, the
deliveries due, a delivery only among the reader's organisations, and what each body says:
workers by pseudonym, never a member's id."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.pseudonyms import worker_pseudonym
from coop.eventlog.listeners import EventFacts
from tasks.services import assignment_approve, assignment_claim, assignment_submit
from tasks.webhooks import selectors, services
from tasks.webhooks.models import Delivery
from tests.factories import CoopFactory, member, organisation, published_project

pytestmark = pytest.mark.django_db


def _subscribe(org, events, url="https://hooks.example/a", **kwargs):
    return services.subscription_create(user=org.owner, organisation=org, url=url, events=events, **kwargs)[0]


def _facts(type_, **payload):
    return EventFacts(id=1, type=type_, coop_id=None, actor_id=None, subject_type="", subject_id="", payload=payload)


def test_subscriptions_wanting_only_active_ones_of_the_organisation():
    org, other = organisation(), organisation()
    submitted = _subscribe(org, ["assignment.submitted"])
    _subscribe(org, ["balance.low"])
    off = _subscribe(org, ["assignment.submitted"], url="https://hooks.example/off")
    services.subscription_update(user=org.owner, subscription=off, active=False)
    _subscribe(other, ["assignment.submitted"])
    assert selectors.subscriptions_wanting(organisation_id=org.pk, types=["assignment.submitted"]) == [submitted]
    assert selectors.subscriptions_wanting(organisation_id=org.pk, types=[]) == []
    assert [s.pk for s in selectors.subscriptions_of(organisation=org)] == sorted(
        s.pk for s in selectors.subscriptions_of(organisation=org))


def test_deliveries_due_and_delivery_among():
    org = organisation()
    subscription = _subscribe(org, ["balance.low"])
    now = timezone.now()
    late, early, done, later = (Delivery.objects.create(
        subscription=subscription, message_id=f"msg_{i}", event_type="balance.low", source=f"s{i}", body="{}",
        next_attempt_at=when, status=status) for i, (when, status) in enumerate([
            (now - timedelta(minutes=1), "pending"), (now - timedelta(minutes=5), "pending"),
            (now - timedelta(minutes=9), "succeeded"), (now + timedelta(minutes=1), "pending")]))
    assert selectors.deliveries_due(now=now) == [early.pk, late.pk]
    assert selectors.deliveries_due(now=now, limit=1) == [early.pk]
    assert selectors.delivery_among(organisations=[org], delivery_id=late.pk) == late
    assert selectors.delivery_among(organisations=[organisation()], delivery_id=late.pk) is None
    assert [d.pk for d in selectors.deliveries_of(subscription=subscription, limit=2)] == [later.pk, done.pk]


def test_body_data_names_the_worker_by_pseudonym_and_gives_answers_on_submission():
    coop = CoopFactory()
    project = published_project(coop, tasks=1)
    org, worker = project.organisation, member(coop).user
    assignment = assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                   answers={"label": "yes"})
    submitted = selectors.body_data(webhook_type="assignment.submitted", organisation_id=org.pk,
                                    facts=_facts("assignment.submitted", assignment=assignment.pk))
    assert submitted["worker"] == worker_pseudonym(user=worker.pk, organisation=org.pk)
    assert submitted["answers"] == {"label": "yes"} and submitted["submitted_at"]
    assert set(submitted) == {"assignment", "task", "project", "worker", "status", "answers", "submitted_at"}
    decided = selectors.body_data(webhook_type="assignment.decided", organisation_id=org.pk,
                                  facts=_facts("assignment.overturned", assignment=assignment.pk, appeal=5))
    assert (decided["outcome"], decided["appeal"]) == ("overturned", 5) and "answers" not in decided
    # another organisation's assignment, and an event type with no body of its own, say nothing
    assert selectors.body_data(webhook_type="assignment.approved", organisation_id=organisation().pk,
                               facts=_facts("assignment.approved", assignment=assignment.pk)) is None
    assert selectors.body_data(webhook_type="project.completed", organisation_id=org.pk,
                               facts=_facts("assignment.approved")) is None
    ready = selectors.body_data(webhook_type="aggregation.ready", organisation_id=org.pk,
                                facts=_facts("aggregation.ready", project=project.pk, run=3, secret="x"))
    assert ready == {"project": project.pk, "run": 3}


def test_project_completion_once_nothing_is_open_or_waiting():
    coop = CoopFactory()
    project = published_project(coop, tasks=1)
    org, worker = project.organisation, member(coop).user
    assert selectors.project_completion(project_id=project.pk, organisation_id=org.pk) is None  # a slot is open
    assignment = assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                   answers={"label": "yes"})
    assert selectors.project_completion(project_id=project.pk, organisation_id=org.pk) is None  # under review
    assignment_approve(actor=org.owner, assignment=assignment)
    key, data = selectors.project_completion(project_id=project.pk, organisation_id=org.pk)
    assert key == f"project:{project.pk}:completed:1"
    assert data == {"project": project.pk, "tasks": 1, "approved": 1, "rejected": 0}
    assert selectors.project_completion(project_id=project.pk, organisation_id=organisation().pk) is None
    assert selectors.organisation_balance(organisation_id=org.pk) > 0
