"""coop/eventlog/models.py: events, positions and checkpoints are append-only in the database,
and an erased payload reads as None."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.models import Checkpoint, Event, Sequenced
from coop.eventlog.services import event_record
from tests.eventlog.helpers import sequence_all
from tests.factories import CoopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_signed_event():
    event_id = event_record(type="coop.created", coop=CoopFactory(), subject=("federation.coop", 1),
                            payload={"coop": 1})
    sequence_all()
    checkpoint_sign()
    return Event.objects.get(pk=event_id)


def test_payload_json_and_str(one_signed_event):
    event = one_signed_event
    assert event.payload_json["coop"] == 1
    assert str(event) == "coop.created federation.coop:1"
    assert Event(payload=b"").payload_json is None  # erased
    assert str(Sequenced.objects.get()) == f"#1 (event {event.pk})"
    assert str(Checkpoint.objects.get()) == "checkpoint 1"


@pytest.mark.parametrize(("model", "change"), [(Sequenced, {"sequenced_at": 1}), (Checkpoint, {"origin": "x"})])
def test_rows_cannot_be_updated_or_deleted(one_signed_event, model, change):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        model.objects.all().update(**change)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        model.objects.all().delete()
    assert model.objects.count() == 1


def test_an_event_cannot_be_deleted_nor_its_type_changed(one_signed_event):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Event.objects.filter(pk=one_signed_event.pk).update(type="coop.renamed")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM eventlog_event WHERE id = %s", [one_signed_event.pk])
    assert Event.objects.get().type == "coop.created"
