import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from coop.eventlog.canonical import _serialise, canonical_bytes
from coop.eventlog.models import Event
from coop.eventlog.services import event_record
from tests.factories import CoopFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_event_record_stores_canonical_payload_and_actor():
    coop = CoopFactory()
    user = UserFactory()
    event_id = event_record(type="test.happened", coop=coop, actor=user, subject=coop, payload={"b": 2, "a": 1})
    event = Event.objects.get(pk=event_id)
    assert bytes(event.payload) == b'{"a":1,"actor":%d,"b":2}' % user.pk
    assert event.subject_type == "federation.coop" and event.subject_id == str(coop.pk)
    assert len(bytes(event.salt)) == 16
    assert event.occurred_at > 1_700_000_000_000_000  # microseconds
    if connection.vendor == "postgresql":
        assert event.txid is not None


def test_canonical_bytes_sorts_by_utf16_and_refuses_floats():
    # RFC 8785 3.2.3: keys sorted by UTF-16 code units ("\U0001f600" sorts before "\ufb01")
    assert canonical_bytes({"\ufb01": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb01":1}'.encode()
    assert canonical_bytes({"z": [1, "é", None, True]}) == '{"z":[1,"é",null,true]}'.encode()
    with pytest.raises(TypeError):
        canonical_bytes({"amount": 1.5})


_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text | st.sampled_from(["a", "B", "actor", "_"]),
                                                                 inner, max_size=4),
    max_leaves=12,
)


@given(_json)
def test_the_fast_encoder_writes_exactly_the_value_by_value_jcs_bytes(value):
    """canonical_bytes takes json.dumps(sort_keys) when every key is ASCII; it must be the
    same bytes as the RFC 8785 serialiser it stands in for, with any key whatever."""
    assert canonical_bytes(value) == _serialise(value).encode("utf-8")


@pytest.mark.parametrize("sql", [
    "UPDATE eventlog_event SET type = 'forged'",
    "DELETE FROM eventlog_event",
])
def test_event_table_refuses_update_and_delete_in_the_database(sql):
    event_record(type="test.happened", subject=("thing", 1), payload={"n": 1})
    with pytest.raises(IntegrityError if connection.vendor == "postgresql" else Exception) as info:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert "append-only" in str(info.value)
    assert Event.objects.filter(type="test.happened").count() == 1
