"""The bank test (PostgreSQL): threads move money at random between accounts, some with keys
other threads also use, some killed midway (connection closed inside the transaction). At the
end the total is unchanged, no balance is negative, every balance equals its postings, every
transaction has exactly one event, and no key moved money twice."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Sum

from coop.core.errors import DomainError
from coop.eventlog.models import Event
from ledger import selectors, services
from ledger.models import Balance, Posting, Transaction
from tests.factories import CoopFactory, funded_organisation, member, operator, project_stub

THREADS = 6
SECONDS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bank_threads_kills_and_shared_keys_keep_the_books():
    op = operator()
    coop = CoopFactory()
    users = [member(coop).user for _ in range(5)]
    orgs = [funded_organisation(1_000_000, operator=op) for _ in range(2)]
    projects = [project_stub(coop, orgs[i % 2]) for i in range(4)]
    for p in projects:
        services.escrow_hold(project=p, amount=100_000, key=f"p:{p.pk}:hold:0")
    deposited = 2_000_000
    stop = time.time() + SECONDS
    stats = {"ok": 0, "refused": 0, "killed": 0, "errors": []}
    lock = threading.Lock()

    def one_move(rng, n, worker):
        what = rng.choice(["hold", "release", "shared_release", "refund", "bonus", "payout"])
        project = rng.choice(projects)
        user = rng.choice(users)
        org = rng.choice(orgs)
        if what == "hold":
            services.escrow_hold(project=project, amount=rng.randint(1, 40_000),
                                 key=f"p:{project.pk}:hold:{worker}:{n}")
        elif what in ("release", "shared_release"):
            # shared keys: several threads release the same assignment at once
            key = f"assignment:{rng.randint(1, 30)}:release" if what == "shared_release" \
                else f"assignment:{worker}-{n}:release"
            services.escrow_release(project=projects[hash(key) % 4] if what == "shared_release" else project,
                                    user=users[hash(key) % 5] if what == "shared_release" else user,
                                    reward=3_000, fee_coop=150, fee_federation=40, fee_juror=20, key=key)
        elif what == "refund":
            services.escrow_refund(project=project, amount=rng.randint(1, 20_000), key=f"refund:{worker}:{n}")
        elif what == "bonus":
            services.bonus_pay(organisation=org, user=user, amount=rng.randint(1, 5_000), key=f"bonus:{worker}:{n}")
        else:
            services.payout_request(user=user, amount=rng.randint(500, 8_000), method="mobile_money")

    def run(worker):
        rng = random.Random(worker)
        n = 0
        try:
            while time.time() < stop:
                n += 1
                kill = rng.random() < 0.15
                try:
                    with transaction.atomic():
                        one_move(rng, n, worker)
                        if kill:
                            connection.connection.close()  # the client dies before COMMIT
                    outcome = "ok"
                except DomainError:
                    outcome = "refused"
                except Exception:
                    if not kill:
                        raise
                    outcome = "killed"
                    connection.close()
                with lock:
                    stats[outcome] += 1
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                stats["errors"].append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    print(stats)
    assert stats["errors"] == []
    assert stats["ok"] > 20 and stats["killed"] > 0, stats
    # the total is unchanged: what came in from the outside world is still inside (or paid out)
    world = Balance.objects.get(account__kind="world").amount
    settled_out = 0  # nothing was settled: payouts wait in clearing
    assert world == -deposited + settled_out
    assert Balance.objects.aggregate(t=Sum("amount"))["t"] == 0
    # nothing that may not go negative is
    assert not Balance.objects.filter(amount__lt=0, allow_negative=False).exists()
    # every balance equals its postings
    for balance in Balance.objects.all():
        assert balance.amount == (Posting.objects.filter(account_id=balance.pk).aggregate(t=Sum("amount"))["t"] or 0)
    # every transaction sums to zero and has exactly one event; killed work left no event behind
    assert not Transaction.objects.annotate(t=Sum("postings__amount")).exclude(t=0).exists()
    ledger_events = Event.objects.filter(type__startswith="ledger.").count() + \
        Event.objects.filter(type="payout.requested").count()
    assert ledger_events == Transaction.objects.count()
    # no key moved money twice: each shared release key paid its member once
    for key, lines in Transaction.objects.filter(key__endswith=":release").values_list("key").annotate(
            n=Count("pk")):
        assert lines == 1, key
    paid = Posting.objects.filter(transaction__kind="escrow_release", account__kind="wallet").aggregate(
        t=Sum("amount"))["t"] or 0
    assert paid == 3_000 * Transaction.objects.filter(kind="escrow_release").count()
    assert sum(selectors.wallet_balance(user=u) for u in users) >= 0
