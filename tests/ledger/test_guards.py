"""The database itself refuses rewriting history: UPDATE and DELETE on transactions,
postings and accounts (both databases), and on PostgreSQL an unbalanced transaction at COMMIT."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from coop.eventlog.services import event_record
from ledger import services
from ledger.models import Balance, Posting, Transaction
from tests.factories import funded_organisation, operator


@pytest.fixture
def deposit(db):
    op = operator()
    funded_organisation(5_000, operator=op)
    return Transaction.objects.get()


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE ledger_transaction SET memo = 'rewritten' WHERE id = %s",
    "DELETE FROM ledger_transaction WHERE id = %s",
    "UPDATE ledger_posting SET amount = amount * 2 WHERE transaction_id = %s",
    "DELETE FROM ledger_posting WHERE transaction_id = %s",
    "UPDATE ledger_account SET owner_id = 999 WHERE id IN (SELECT account_id FROM ledger_posting "
    "WHERE transaction_id = %s)",
])
def test_raw_update_and_delete_are_refused(deposit, sql):
    with pytest.raises((IntegrityError, DatabaseError)) as err:
        raw(sql, [deposit.pk])
    assert "append-only" in str(err.value)
    assert Transaction.objects.get(pk=deposit.pk).memo == deposit.memo
    assert sorted(Posting.objects.filter(transaction=deposit).values_list("amount", flat=True)) == [-5_000, 5_000]


@pytest.mark.django_db
def test_the_balance_table_refuses_a_negative_balance(deposit):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Balance.objects.filter(allow_negative=False).update(amount=-1)


def _unbalanced_insert():
    event_id = event_record(type="test.unbalanced")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_transaction (key, kind, memo, event_id, created_at) "
                       "VALUES ('forged', 'deposit', '', %s, now()) RETURNING id", [event_id])
        tx_id = cursor.fetchone()[0]
        cursor.execute("SELECT account_id FROM ledger_posting LIMIT 1")
        account_id = cursor.fetchone()[0]
        cursor.execute("INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after) "
                       "VALUES (%s, %s, 1000000, 0)", [tx_id, account_id])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_transaction_is_refused_at_commit():
    op = operator()
    funded_organisation(5_000, operator=op)
    with pytest.raises(IntegrityError) as err:
        with transaction.atomic():
            _unbalanced_insert()  # accepted statement by statement...
    assert "does not balance" in str(err.value)  # ...refused at COMMIT
    assert not Transaction.objects.filter(key="forged").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_posting_added_later_to_a_balanced_transaction_is_refused_at_commit():
    op = operator()
    org = funded_organisation(5_000, operator=op)
    tx = Transaction.objects.get()
    with pytest.raises(IntegrityError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after) "
                           "SELECT %s, account_id, 1, 0 FROM ledger_posting WHERE transaction_id = %s LIMIT 1",
                           [tx.pk, tx.pk])
    assert Posting.objects.filter(transaction=tx).count() == 2
    # and the service path still commits balanced transactions
    services.deposit_record(operator=op, organisation=org, amount=1, reference="more")
    assert Transaction.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_on_an_unknown_account_is_refused_at_commit():
    """Referential checks of postings live in the commit trigger (no FK row locks)."""
    op = operator()
    funded_organisation(5_000, operator=op)
    with pytest.raises(IntegrityError) as err:
        with transaction.atomic():
            event_id = event_record(type="test.forged")
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO ledger_transaction (key, kind, memo, event_id, created_at) "
                               "VALUES ('forged', 'deposit', '', %s, now()) RETURNING id", [event_id])
                tx_id = cursor.fetchone()[0]
                cursor.execute("SELECT account_id FROM ledger_posting LIMIT 1")
                account_id = cursor.fetchone()[0]
                cursor.execute("INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after) "
                               "VALUES (%s, %s, 10, 0), (%s, 987654321, -10, 0)", [tx_id, account_id, tx_id])
    assert "points at no account" in str(err.value)
    assert not Transaction.objects.filter(key="forged").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_without_its_event_is_refused_at_commit():
    op = operator()
    funded_organisation(5_000, operator=op)
    with pytest.raises(IntegrityError) as err:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_transaction (key, kind, memo, event_id, created_at) "
                           "VALUES ('forged', 'deposit', '', 987654321, now()) RETURNING id")
            tx_id = cursor.fetchone()[0]
            cursor.execute("INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after) "
                           "SELECT %s, account_id, -amount, 0 FROM ledger_posting WHERE transaction_id = "
                           "(SELECT min(id) FROM ledger_transaction)", [tx_id])
    assert "points at no event" in str(err.value)
