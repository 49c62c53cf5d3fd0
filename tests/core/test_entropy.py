"""coop/core/entropy.py: the operating system's random bytes, or, inside `entropy_seeded`, bytes
fixed by a seed (the market simulator's repeatable event log and keys)."""

import threading

import pytest

from accounts.keys import api_key_generate
from coop.core.entropy import entropy_seeded, token_bytes
from coop.eventlog.models import Event
from coop.eventlog.services import event_record


def test_token_bytes_are_random_outside_a_seeded_block():
    first, second = token_bytes(16), token_bytes(16)
    assert len(first) == len(second) == 16 and first != second


def test_the_same_seed_gives_the_same_bytes_in_the_same_order():
    with entropy_seeded("1:atelier"):
        first = [token_bytes(16), token_bytes(32)]
    with entropy_seeded("1:atelier"):
        again = [token_bytes(16), token_bytes(32)]
    with entropy_seeded("2:atelier"):
        other = [token_bytes(16), token_bytes(32)]
    assert first == again and first[0] != first[1][:16]
    assert other != first


def test_the_seed_holds_for_its_thread_only_and_ends_with_the_block():
    seen = []
    with entropy_seeded("1"):
        seeded = token_bytes(8)
        worker = threading.Thread(target=lambda: seen.append(token_bytes(8)))
        worker.start()
        worker.join()
    with entropy_seeded("1"):
        assert token_bytes(8) == seeded
    assert seen[0] != seeded  # the other thread drew from the operating system
    assert token_bytes(8) != seeded


@pytest.mark.django_db
def test_event_salts_and_member_keys_follow_the_seed():
    with entropy_seeded("7"):
        first = event_record(type="test.entropy", payload={"n": 1})
        key, _prefix = api_key_generate(scheme="atm")
    with entropy_seeded("7"):
        second = event_record(type="test.entropy", payload={"n": 1})
        key_again, _prefix = api_key_generate(scheme="atm")
    unseeded = event_record(type="test.entropy", payload={"n": 1})
    salts = dict(Event.objects.filter(pk__in=[first, second, unseeded]).values_list("pk", "salt"))
    assert bytes(salts[first]) == bytes(salts[second]) != bytes(salts[unseeded])
    assert key == key_again and key.startswith("atm_") and key != api_key_generate(scheme="atm")[0]
