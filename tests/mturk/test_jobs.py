"""The MTurk job (tasks/mturk/jobs.py): HITs whose lifetime is over are closed and their open
slots refunded, each in its own transaction; one that fails does not stop the others."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledger.selectors import escrow_balance
from tasks.mturk import jobs
from tasks.mturk.services import hit_create
from tests.mturk.conftest import HIT_PARAMS

pytestmark = pytest.mark.django_db


def test_hits_past_their_lifetime_are_closed_once(world, hit):
    assert jobs.hits_expire_due() == 0
    later = timezone.now() + timedelta(hours=2)
    assert jobs.hits_expire_due(now=later) == 1
    assert escrow_balance(project=hit.project) == 0
    assert jobs.hits_expire_due(now=later) == 0


def test_a_hit_that_fails_to_close_does_not_stop_the_others(world, hit, monkeypatch):
    other = hit_create(key=world["key"], params={**HIT_PARAMS, "Title": "Dogs"})
    expire = jobs.hit_expire

    def flaky(*, hit, now):
        if hit.pk == other.pk:
            raise RuntimeError("the ledger is being repaired")
        return expire(hit=hit, now=now)

    monkeypatch.setattr(jobs, "hit_expire", flaky)
    later = timezone.now() + timedelta(hours=2)
    assert jobs.hits_expire_due(now=later) == 2
    assert escrow_balance(project=hit.project) == 0
    assert escrow_balance(project=other.project) > 0
    monkeypatch.setattr(jobs, "hit_expire", expire)
    assert jobs.hits_expire_due(now=later) == 1  # tried again at the next run
    assert escrow_balance(project=other.project) == 0
