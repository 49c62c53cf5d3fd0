"""coop/core/locks.py: the `Idempotency-Key` row of a scope, or None."""

import pytest

from coop.core.locks import idempotency_record_for_update
from coop.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_idempotency_record_for_update_finds_the_key_of_its_scope_only():
    record = IdempotencyRecord.objects.create(scope="org:1", key="abc", method="POST", path="/api/x/",
                                              body_hash="0" * 64, status_code=201, response={"id": 1})
    assert idempotency_record_for_update(scope="org:1", key="abc") == record
    assert idempotency_record_for_update(scope="org:2", key="abc") is None
    assert idempotency_record_for_update(scope="org:1", key="abd") is None
