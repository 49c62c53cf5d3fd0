"""The API's Idempotency-Key (coop.core.idempotency): a key belongs to one (scope, method, path),
so reusing it on another endpoint or object is 409 rather than a replay of the wrong response;
and requests racing with the same key queue on the key, so the loser replays the winner's
response instead of answering its own domain error (issue 24 defect 2, issue 15 leak 8)."""

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from coop.core.models import IdempotencyRecord
from ledger import selectors, services
from ledger.models import Payout, Transaction
from tasks.models import Assignment
from tasks.services import assignment_claim, assignment_submit
from tests.factories import CoopFactory, funded_organisation, member, operator
from tests.factories.tasks import published_project
from tests.threads import together


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def race(n, fn):
    """Run `fn()` in `n` threads released together (tests/threads.py), each with its own connection."""
    results = together([fn] * n)
    assert [r for r in results if isinstance(r, Exception)] == []
    return results


@pytest.mark.django_db
def test_a_key_used_on_one_project_is_refused_on_another():
    coop = CoopFactory()
    first = published_project(coop)
    second = published_project(coop, organisation=first.organisation)
    client = _client(first.organisation.owner)

    paused = client.post(f"/api/projects/{first.pk}/pause/", format="json", headers={"Idempotency-Key": "K"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    replay = client.post(f"/api/projects/{first.pk}/pause/", format="json", headers={"Idempotency-Key": "K"})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == paused.json()

    other = client.post(f"/api/projects/{second.pk}/pause/", format="json", headers={"Idempotency-Key": "K"})
    assert other.status_code == 409
    body = other.json()
    assert body["code"] == "idempotency_key_reused"
    assert f"/api/projects/{first.pk}/pause/" in body["message"]
    assert body["extra"] == {"key": "K", "method": "POST", "path": f"/api/projects/{first.pk}/pause/"}
    second.refresh_from_db()
    assert second.status == "open"  # nothing ran
    record = IdempotencyRecord.objects.get()
    assert (record.method, record.path) == ("POST", f"/api/projects/{first.pk}/pause/")


@pytest.mark.django_db
def test_a_key_used_on_another_method_of_the_same_scope_is_refused():
    coop = CoopFactory()
    project = published_project(coop)
    client = _client(project.organisation.owner)
    assert client.post(f"/api/projects/{project.pk}/pause/", format="json",
                       headers={"Idempotency-Key": "K"}).status_code == 200
    resumed = client.post(f"/api/projects/{project.pk}/resume/", format="json", headers={"Idempotency-Key": "K"})
    assert resumed.status_code == 409 and resumed.json()["code"] == "idempotency_key_reused"
    project.refresh_from_db()
    assert project.status == "paused"


@pytest.mark.django_db
def test_a_failed_request_leaves_its_key_free():
    coop = CoopFactory()
    worker = member(coop).user
    client = _client(worker)
    refused = client.post("/api/ledger/payouts/", {"amount": 1_000, "method": "mobile_money"}, format="json",
                          headers={"Idempotency-Key": "p1"})
    assert refused.status_code == 400 and refused.json()["code"] == "insufficient_funds"
    assert not IdempotencyRecord.objects.exists()
    org = funded_organisation(10_000, operator=operator())
    services.bonus_pay(organisation=org, user=worker, amount=3_000, key="b")
    paid = client.post("/api/ledger/payouts/", {"amount": 1_000, "method": "mobile_money"}, format="json",
                       headers={"Idempotency-Key": "p1"})
    assert paid.status_code == 201 and "Idempotent-Replayed" not in paid.headers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payouts_racing_with_one_key_pay_once_and_answer_alike():
    coop = CoopFactory()
    org = funded_organisation(100_000, operator=operator())
    data = {"amount": 1_000, "method": "mobile_money", "details": "+261"}

    for round_ in range(3):
        worker = member(coop).user
        # 1,500 in the wallet: a second payout of 1,000 would be refused (insufficient_funds)
        services.bonus_pay(organisation=org, user=worker, amount=1_500, key=f"b{round_}")
        responses = race(2, lambda worker=worker: _client(worker).post(
            "/api/ledger/payouts/", data, format="json", headers={"Idempotency-Key": "pay-1"}))
        assert [r.status_code for r in responses] == [201, 201], [r.content for r in responses]
        assert responses[0].json() == responses[1].json()
        assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
        assert Payout.objects.filter(user=worker).count() == 1
        assert selectors.wallet_balance(user=worker) == 500
    assert Transaction.objects.filter(kind="payout_request").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_racing_with_one_key_approve_once_and_answer_alike():
    coop = CoopFactory()
    project = published_project(coop, tasks=3)
    owner = project.organisation.owner
    assignments = []
    for _ in range(3):
        worker = member(coop).user
        assignments.append(assignment_submit(member=worker, assignment=assignment_claim(member=worker, project=project),
                                             answers={"label": "yes"}))

    for a in assignments:
        responses = race(2, lambda a=a: _client(owner).post(
            f"/api/assignments/{a.pk}/approve/", format="json", headers={"Idempotency-Key": f"approve-{a.pk}"}))
        assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
        assert responses[0].json() == responses[1].json()
        assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
        assert Assignment.objects.get(pk=a.pk).status == "approved"
        assert Transaction.objects.filter(key=f"assignment:{a.pk}:release").count() == 1


def _hold_key(*, scope, key, path, body, started, outcome, seconds=0.5):
    """In its own connection, take `key` as a request would and keep it `seconds`, then commit a
    stored 201 (`outcome="success"`) or fail and roll back (`outcome="failure"`)."""
    import time

    from django.db import transaction

    from coop.core.idempotency import body_hash, idempotency_begin, idempotency_store

    class Failed(Exception):
        pass

    try:
        with transaction.atomic():
            record = idempotency_begin(scope=scope, key=key, method="POST", path=path, body_hash=body_hash(body))
            started.set()
            time.sleep(seconds)
            if outcome == "failure":
                raise Failed
            idempotency_store(record=record, status_code=201, response={"first": True})
    except Failed:
        pass
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outcome", ["success", "failure"])
def test_a_request_waits_for_the_key_holder_then_replays_or_runs_itself(outcome):
    coop = CoopFactory()
    worker = member(coop).user
    org = funded_organisation(10_000, operator=operator())
    services.bonus_pay(organisation=org, user=worker, amount=3_000, key="b")
    data = {"amount": 1_000, "method": "mobile_money", "details": ""}
    started = threading.Event()
    holder = threading.Thread(target=_hold_key, kwargs={
        "scope": f"user:{worker.pk}", "key": "K", "path": "/api/ledger/payouts/", "body": data,
        "started": started, "outcome": outcome})
    holder.start()
    assert started.wait(10)
    response = _client(worker).post("/api/ledger/payouts/", data, format="json", headers={"Idempotency-Key": "K"})
    holder.join()
    if outcome == "success":  # the holder committed first: its response, replayed
        assert response.status_code == 201 and response.json() == {"first": True}
        assert response.headers["Idempotent-Replayed"] == "true"
        assert not Payout.objects.exists()
    else:  # the holder failed and stored nothing: this request ran its own handler
        assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
        assert Payout.objects.get().amount == 1_000
        assert IdempotencyRecord.objects.get().response == response.json()
