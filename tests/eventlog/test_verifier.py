"""The standalone verifier, driven through the API (a test client stands in for HTTP, plus one
end-to-end run against a live server on PostgreSQL)."""

import json
import subprocess
import sys

import pytest
from django.db import connection
from rest_framework.test import APIClient

from coop.eventlog.checkpoints import checkpoint_sign
from coop.eventlog.models import Sequenced
from coop.eventlog.services import event_record
from coop.eventlog.verifier import VerificationFailed, verify
from coop.eventlog.verify import verify_log
from tests.eventlog.helpers import sequence_all, sequence_until, triggers_disabled
from tests.eventlog.test_verify import _rewrite_from
from tests.factories import CoopFactory, member


def client_fetch(client=None):
    client = client or APIClient()

    def fetch(path, params=None):
        response = client.get(path, params or {})
        assert response.status_code == 200, response.content
        return response.json()

    return fetch


def record(coop, n):
    event_record(type="test.happened", coop=coop, subject=("thing", n), payload={"n": n})


@pytest.fixture
def log():
    coop = CoopFactory()
    for n in range(1, 11):
        record(coop, n)
    sequence_all()
    checkpoint_sign()
    return coop


@pytest.mark.django_db
def test_verifier_accepts_an_honest_log_and_keeps_its_state(log):
    messages = []
    state = verify(client_fetch(), out=messages.append)
    assert state["checkpoint"]["size"] == 10 and len(state["leaves"]) == 10
    assert "Trusting the federation's key on first use" in messages[0]
    assert messages[-1].startswith("OK: 10 events verified")


@pytest.mark.django_db
def test_verifier_checks_payloads_a_member_may_read(log):
    client = APIClient()
    client.force_authenticate(member(log).user)
    messages = []
    verify(client_fetch(client), out=messages.append)
    assert "10 payloads checked" in messages[-1]


@pytest.mark.django_db
def test_verifier_follows_a_growing_log_with_a_consistency_proof(log):
    kept = verify(client_fetch(), out=lambda _: None)
    for n in range(11, 14):
        record(log, n)
    sequence_all()
    checkpoint_sign()
    messages = []
    state = verify(client_fetch(), kept=kept, out=messages.append)
    assert state["checkpoint"]["size"] == 13
    assert "Consistent with the kept checkpoint of size 10." in messages


@pytest.mark.django_db
def test_verifier_with_a_kept_checkpoint_detects_a_history_re_signed_by_an_insider(log):
    """An insider with the signing key rewrites position 3, recomputes every hash, removes the
    checkpoints and signs again. The database check passes (nothing inside the database
    contradicts it); a peer that kept the earlier checkpoint does not."""
    kept = verify(client_fetch(), out=lambda _: None)
    _rewrite_from(3, b'{"n":333}')
    with triggers_disabled():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM eventlog_checkpoint")
    record(log, 11)
    sequence_all()
    checkpoint_sign()
    assert verify_log().ok  # the honest limit: see docs/eventlog.md
    with pytest.raises(VerificationFailed) as failure:
        verify(client_fetch(), kept=kept, out=lambda _: None)
    assert "history was rewritten" in str(failure.value)
    assert failure.value.position == 3
    # With only the checkpoint (no leaf hashes kept), the rewrite is still detected.
    with pytest.raises(VerificationFailed) as bare:
        verify(client_fetch(), kept={"checkpoint": kept["checkpoint"]}, out=lambda _: None)
    assert "positions 1..10" in str(bare.value)


@pytest.mark.django_db
def test_verifier_detects_a_tampered_event_in_the_feed(log):
    with triggers_disabled():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE eventlog_event SET subject_id = '99' WHERE id = %s",
                           [Sequenced.objects.get(position=6).event_id])
    with pytest.raises(VerificationFailed) as failure:
        verify(client_fetch(), out=lambda _: None)
    assert failure.value.position == 6


@pytest.mark.django_db
def test_verifier_refuses_a_checkpoint_signed_by_another_key(log, settings):
    kept = verify(client_fetch(), out=lambda _: None)
    record(log, 11)
    sequence_all()
    settings.EVENTLOG_SIGNING_KEY = "22" * 32
    checkpoint_sign()
    with pytest.raises(VerificationFailed) as failure:
        verify(client_fetch(), kept=kept, out=lambda _: None)
    assert "not the expected" in str(failure.value)


def test_verifier_module_needs_no_django():
    code = "import sys, coop.eventlog.verifier; sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verifier_command_against_a_live_server(live_server, tmp_path):
    coop = CoopFactory()
    for n in range(1, 6):
        record(coop, n)
    sequence_until(5)
    checkpoint_sign()
    kept = tmp_path / "kept.json"
    command = [sys.executable, "-m", "coop.eventlog.verifier", "--url", live_server.url]
    first = subprocess.run(command + ["--save", str(kept)], capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "OK: 5 events verified" in first.stdout
    assert json.loads(kept.read_text())["checkpoint"]["size"] == 5
    _rewrite_from(2, b'{"n":222}')
    with triggers_disabled():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM eventlog_checkpoint")
    checkpoint_sign()
    second = subprocess.run(command + ["--checkpoint", str(kept)], capture_output=True, text=True)
    assert second.returncode == 1
    assert "first rewritten position: 2" in second.stdout
