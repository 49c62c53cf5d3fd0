"""Which recorded events become which webhooks (tasks/webhooks/catalogue.py)."""

import pytest

from tasks.webhooks import catalogue
from tasks.webhooks.models import EVENT_CODES


@pytest.mark.parametrize(("event_type", "webhooks"), [
    ("assignment.submitted", ["assignment.submitted"]),
    ("assignment.approved", ["assignment.approved", "project.completed"]),
    ("assignment.frozen", ["assignment.rejected", "project.completed"]),  # a frozen rejection is a rejection
    ("appeal.filed", ["assignment.appealed"]),
    ("assignment.upheld", ["assignment.decided"]),
    ("project.published", ["balance.low"]),
    ("assignment.bonus_paid", ["balance.low"]),
    ("membership.admitted", []),
])
def test_wanted_types(event_type, webhooks):
    assert catalogue.wanted_types(event_type) == webhooks


def test_every_webhook_made_is_one_a_requester_can_subscribe_to():
    made = {w for source in catalogue.SOURCE_TYPES for w in catalogue.wanted_types(source)}
    assert made <= set(EVENT_CODES)
    assert catalogue.SOURCE_TYPES == sorted(set(catalogue.SOURCE_TYPES))
