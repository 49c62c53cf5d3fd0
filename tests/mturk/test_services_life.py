"""A HIT's life after creation (tasks/mturk/services/life.py), through the services: expiry
refunds once, an extension only before expiry, deletion only with nothing in progress, more
assignments once per token, the review mark, and NotifyWorkers' checks and hourly limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notice
from coop.eventlog.models import Event
from ledger.selectors import escrow_balance
from tasks.models import Slot
from tasks.mturk import services
from tasks.mturk.models import Hit
from tasks.mturk.protocol import MturkError
from tasks.services import assignment_claim

pytestmark = pytest.mark.django_db


def test_hit_expire_refunds_the_open_slots_once(world, hit):
    assert services.hit_expire(hit=hit) > 0
    assert escrow_balance(project=hit.project) == 0
    assert Hit.objects.get(pk=hit.pk).expires_at <= timezone.now()
    assert services.hit_expire(hit=hit) == 0


def test_an_expiration_in_the_past_ends_a_later_one_extends(world, hit):
    later = timezone.now() + timedelta(days=2)
    assert services.hit_expiration_update(key=world["key"], hit=hit, expire_at=later) == 0
    assert Hit.objects.get(pk=hit.pk).expires_at == later
    assert Event.objects.filter(type="mturk.hit_extended").count() == 1
    assert services.hit_expiration_update(key=world["key"], hit=hit, expire_at=timezone.now() - timedelta(1)) > 0
    hit.refresh_from_db()
    with pytest.raises(MturkError) as info:
        services.hit_expiration_update(key=world["key"], hit=hit, expire_at=later)
    assert info.value.code == "Atelier.HitExpired"


def test_delete_waits_for_work_in_progress(world, hit):
    claimed = assignment_claim(member=world["members"][0], project=hit.project)
    with pytest.raises(MturkError) as info:
        services.hit_delete(key=world["key"], hit=hit)
    assert info.value.code == "AWS.MechanicalTurk.HITNotDeletable" and "1 assignment(s)" in info.value.message
    assert Hit.objects.get(pk=hit.pk).deleted_at is None
    claimed.status = "returned"
    claimed.save(update_fields=["status"])
    services.hit_delete(key=world["key"], hit=hit)
    assert Hit.objects.get(pk=hit.pk).deleted_at is not None
    assert Event.objects.filter(type="mturk.hit_deleted").count() == 1


def test_more_assignments_once_per_token(world, hit):
    amount = services.hit_assignments_add(key=world["key"], hit=hit, count=2, token="more-1")
    assert amount > 100 and Hit.objects.get(pk=hit.pk).max_assignments == 4
    assert Slot.objects.filter(task=hit.task, status=Slot.Status.OPEN).count() == 4
    hit.refresh_from_db()
    with pytest.raises(MturkError) as info:
        services.hit_assignments_add(key=world["key"], hit=hit, count=2, token="more-1")
    assert info.value.code == "AWS.MechanicalTurk.AssignmentsAlreadyAdded"
    for count in (0, True, "2"):
        with pytest.raises(MturkError, match="whole number above zero"):
            services.hit_assignments_add(key=world["key"], hit=hit, count=count)
    assert Slot.objects.filter(task=hit.task).count() == 4


def test_the_review_mark_changes_only_the_mark(world, hit):
    services.hit_review_status_update(key=world["key"], hit=hit, revert=False)
    assert Hit.objects.get(pk=hit.pk).reviewing is True
    services.hit_review_status_update(key=world["key"], hit=hit, revert=True)
    assert Hit.objects.get(pk=hit.pk).reviewing is False


def test_notify_workers_checks_its_text_and_its_hourly_limit(world):
    members = world["members"][:2]
    for subject, text in (("", "Hello"), ("Hi", ""), ("x" * 201, "Hello"), ("Hi", "a\x00b")):
        with pytest.raises(MturkError, match="Subject"):
            services.workers_notify(key=world["key"], members=members, subject=subject, text=text)
    assert not Notice.objects.exists()
    for _ in range(services.NOTIFY_PER_HOUR):
        services.workers_notify(key=world["key"], members=members, subject="New batch", text="Tomorrow at 9.")
    assert Notice.objects.filter(kind="requester_message", user=members[0]).count() == services.NOTIFY_PER_HOUR
    with pytest.raises(MturkError) as info:
        services.workers_notify(key=world["key"], members=members, subject="Again", text="Sorry.")
    assert info.value.code == "Atelier.Throttled"
    later = timezone.now() + timedelta(hours=1, minutes=1)
    services.workers_notify(key=world["key"], members=members[:1], subject="Again", text="Sorry.", now=later)
