"""The one quality lock (tasks/quality/locks.py)."""

import pytest
from django.db import transaction

from tasks.quality.locks import run_for_update
from tasks.quality.models import AggregationRun
from tests.factories import open_project

pytestmark = pytest.mark.django_db


def test_run_for_update_returns_the_run_or_raises():
    run = AggregationRun.objects.create(project=open_project(), method="glad")
    with transaction.atomic():
        locked = run_for_update(run.pk)
    assert (locked.pk, locked.method, locked.status) == (run.pk, "glad", "pending")
    with pytest.raises(AggregationRun.DoesNotExist), transaction.atomic():
        run_for_update(run.pk + 1000)
