"""The one write path for money: `post(...)` turns legs into a transaction, its postings and
the balance changes, under the balance row locks, in the caller's database transaction.

A leg names its account by identity (kind, owner kind, owner id, shard) so accounts are
created on first use. On PostgreSQL the whole posting is one call to the `ledger_post`
PL/pgSQL function (migration 0002, rewritten by 0006; called only from here): it resolves
the accounts, inserts the transaction, updates each balance once in primary-key order (the
UPDATE takes the row lock) and inserts the postings, with the append-only and balanced-at-commit
triggers still firing. Elsewhere (SQLite) the same steps run through the ORM; both raise the same errors."""

import hashlib
import re
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from coop.core.db import execute_one
from ledger.errors import InsufficientFunds, UnknownAccount
from ledger.models import Account, Balance, Posting, Transaction

# Shared accounts many releases pay into are split this many ways (DESIGN.md "Money"; 16 rather than 8: with 4
# concurrent releases a shard collision, which queues one behind the other's commit, drops from 1 in 3 to 1 in 6).
SHARDS = 16  # Reads sum the shards, whatever their number.
SHARED_KINDS = (Account.Kind.TREASURY, Account.Kind.FEDERATION_FEE, Account.Kind.JUROR_FUND,
                Account.Kind.SOLIDARITY_FUND)
ALLOW_NEGATIVE = (Account.Kind.WORLD,)

OWNER_USER = "accounts.user"
OWNER_ORGANISATION = "accounts.organisation"
OWNER_PROJECT = "tasks.project"
OWNER_COOP = "federation.coop"
OWNER_FEDERATION = "federation.federation"
OWNER_WORLD = "world"
OWNER_SANDBOX_FEDERATION, OWNER_SANDBOX_WORLD = "sandbox.federation", "sandbox.world"  # docs/sandbox.md

SQLSTATE_INSUFFICIENT = "AT001"
SQLSTATE_UNKNOWN_ACCOUNT = "AT002"


def shard_for(key):
    """The sub-account a transaction with this key uses: stable, spread evenly."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % SHARDS


@dataclass(frozen=True)
class Ref:
    """An account by identity."""

    kind: str
    owner_kind: str
    owner_id: int
    shard: int = 0

    @property
    def allow_negative(self):
        return self.kind in ALLOW_NEGATIVE


def wallet(user_id):
    return Ref(Account.Kind.WALLET, OWNER_USER, user_id)


def requester(organisation_id):
    return Ref(Account.Kind.REQUESTER, OWNER_ORGANISATION, organisation_id)


def escrow(project_id, owner_kind=OWNER_PROJECT):
    return Ref(Account.Kind.ESCROW, owner_kind, project_id)


def escrow_owner_kind(project):
    """Whose escrow: a project's, or another funded thing held like one (a paid qualification
    test sets `escrow_owner_kind`, so its escrow never mixes with a project of the same id)."""
    return getattr(project, "escrow_owner_kind", OWNER_PROJECT)


def treasury(coop_id, shard=0):
    return Ref(Account.Kind.TREASURY, OWNER_COOP, coop_id, shard)


def juror_fund(coop_id, shard=0):
    return Ref(Account.Kind.JUROR_FUND, OWNER_COOP, coop_id, shard)


def federation_fee(shard=0, *, sandbox=False):
    # One federation per deployment: its fee account is owned by "the federation", id 0.
    return Ref(Account.Kind.FEDERATION_FEE, OWNER_SANDBOX_FEDERATION if sandbox else OWNER_FEDERATION, 0, shard)


def payout_clearing(coop_id):
    return Ref(Account.Kind.PAYOUT_CLEARING, OWNER_COOP, coop_id)


def world(*, sandbox=False):
    return Ref(Account.Kind.WORLD, OWNER_SANDBOX_WORLD if sandbox else OWNER_WORLD, 0)


@dataclass(frozen=True)
class Leg:
    ref: Ref
    amount: int
    must_exist: bool = False


def is_postgres():
    return connection.vendor == "postgresql"


def _ref_filter(refs):
    q = Q(pk__in=[])
    for r in refs:
        q |= Q(kind=r.kind, owner_kind=r.owner_kind, owner_id=r.owner_id, shard=r.shard)
    return q


def accounts_get(refs, *, create=False):
    """{Ref: account id} for the accounts that exist (creating the missing ones if asked).

    Missing accounts are created in identity order: a transaction creating an account another
    one is creating waits for it to end (the unique index), so two transactions creating the same
    accounts in different orders would deadlock; in one order the second queues."""
    refs = list(dict.fromkeys(refs))
    found = {Ref(a.kind, a.owner_kind, a.owner_id, a.shard): a.pk
             for a in Account.objects.filter(_ref_filter(refs))}
    if create:
        for r in sorted(refs, key=lambda r: (r.kind, r.owner_kind, r.owner_id, r.shard)):
            if r not in found:
                found[r] = _account_create(r)
    return found


def _account_create(ref):
    try:
        with transaction.atomic():
            account = Account.objects.create(kind=ref.kind, owner_kind=ref.owner_kind, owner_id=ref.owner_id,
                                             shard=ref.shard)
            Balance.objects.create(account=account, allow_negative=ref.allow_negative)
            return account.pk
    except IntegrityError:
        # created meanwhile by a concurrent transaction that has since committed
        return Account.objects.get(kind=ref.kind, owner_kind=ref.owner_kind, owner_id=ref.owner_id,
                                   shard=ref.shard).pk


def post(*, key, kind, memo, event_id, legs, reverses_id=None):
    """Write one transaction from `legs` (amounts summing to zero) and return its id.

    Must run inside an atomic block. Raises InsufficientFunds when an account that may not
    go negative would, UnknownAccount when a `must_exist` leg's account was never created,
    IntegrityError when `key` was already used (the caller replays)."""
    legs = [leg for leg in legs if leg.amount]
    if sum(leg.amount for leg in legs) != 0 or len(legs) < 2:
        raise ValueError("legs must be two or more non-zero amounts summing to zero")
    if is_postgres():
        return _post_pg(key, kind, memo, event_id, legs, reverses_id)
    return _post_orm(key, kind, memo, event_id, legs, reverses_id)


def _post_orm(key, kind, memo, event_id, legs, reverses_id):
    """The posting elsewhere than PostgreSQL (SQLite: one writer at a time, so no row locks):
    the same steps as `ledger_post`, in hand-written statements through Django's cursor (the
    ORM compiled a statement per account lookup, balance read, insert and update: most of an
    approval's client time, issue 21). Accounts are created through the ORM on first use."""
    refs = list(dict.fromkeys(leg.ref for leg in legs))
    found = _accounts_with_balances(refs)
    missing = [leg.ref for leg in legs if leg.ref not in found]
    for leg in legs:
        if leg.ref not in found and leg.must_exist:
            raise UnknownAccount(extra={"account": leg.ref.kind})
    if missing:
        for ref in dict.fromkeys(missing):
            _account_create(ref)
        found = _accounts_with_balances(refs)
    now = timezone.now()
    before = {pk: amount for pk, amount, _negative in sorted(found.values())}
    negative_ok = {pk: negative for pk, _amount, negative in found.values()}
    running = dict(before)
    postings = []
    for leg in legs:
        pk = found[leg.ref][0]
        after = running[pk] + leg.amount
        if after < 0 and not negative_ok[pk]:
            raise InsufficientFunds(extra={"account": leg.ref.kind, "balance": running[pk], "amount": -leg.amount})
        running[pk] = after
        postings.append((pk, leg.amount, after))
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Transaction._meta.db_table} (key, kind, memo, event_id, reverses_id, created_at) "
                       "VALUES (%s, %s, %s, %s, %s, %s)", [key, kind, memo, event_id, reverses_id, stamp])
        tx_id = cursor.lastrowid
        cursor.executemany(f"INSERT INTO {Posting._meta.db_table} (transaction_id, account_id, amount, balance_after) "
                           "VALUES (%s, %s, %s, %s)", [(tx_id, pk, amount, after) for pk, amount, after in postings])
        changed = [(amount, stamp, pk) for pk, amount in running.items() if amount != before[pk]]
        if changed:
            cursor.executemany(f"UPDATE {Balance._meta.db_table} SET amount = %s, updated_at = %s "
                               "WHERE account_id = %s", changed)
    return tx_id


def _accounts_with_balances(refs):
    """{Ref: (account id, balance, allow_negative)} of the accounts that exist, in one SELECT."""
    if not refs:
        return {}
    where = " OR ".join(["(a.kind = %s AND a.owner_kind = %s AND a.owner_id = %s AND a.shard = %s)"] * len(refs))
    params = [value for r in refs for value in (r.kind, r.owner_kind, r.owner_id, r.shard)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.kind, a.owner_kind, a.owner_id, a.shard, a.id, b.amount, b.allow_negative "
                       f"FROM {Account._meta.db_table} a JOIN {Balance._meta.db_table} b ON b.account_id = a.id "
                       f"WHERE {where}", params)
        return {Ref(k, ok, oid, sh): (pk, amount, bool(negative))
                for k, ok, oid, sh, pk, amount, negative in cursor.fetchall()}


POST_ARGS = ("%s, %s, %s, {event}, %s, %s::text[], %s::text[], %s::bigint[], %s::int[], %s::bigint[], "
             "%s::boolean[], %s::boolean[]")
POST_SQL = "SELECT ledger_post(" + POST_ARGS.format(event="%s") + ")"
# The event's INSERT (from `coop.eventlog.services.event_statement`) and the posting in ONE
# statement: with no transaction open it commits on its own, so the balance locks are held
# for one round trip only, never while the client thinks between statements.
POST_WITH_EVENT_SQL = "WITH ev AS ({event_sql}) SELECT ledger_post(" + POST_ARGS.format(
    event="(SELECT id FROM ev)") + "), (SELECT id FROM ev)"


_NAME = re.compile(r"[a-z][a-z0-9_.]*\Z")


def _ints(values):
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _names(values):
    for v in values:
        if not _NAME.match(v):
            raise ValueError(f"not an account kind or owner kind: {v!r}")
    return "{" + ",".join(values) + "}"


def _bools(values):
    return "{" + ",".join("t" if v else "f" for v in values) + "}"


def _pg_params(legs):
    """The legs as PostgreSQL array literals, passed as plain text parameters: kinds and owner
    kinds are code constants (checked against `_NAME`), the rest integers and booleans, so the
    literals need no quoting, and the driver sends seven short strings instead of adapting
    seven Python lists element by element (a third of the client's time per release)."""
    return [
        _names([leg.ref.kind for leg in legs]), _names([leg.ref.owner_kind for leg in legs]),
        _ints([leg.ref.owner_id for leg in legs]), _ints([leg.ref.shard for leg in legs]),
        _ints([leg.amount for leg in legs]), _bools([leg.ref.allow_negative for leg in legs]),
        _bools([leg.must_exist for leg in legs]),
    ]


def _pg_execute(sql, params, legs):
    try:
        return execute_one(sql, params)
    except DatabaseError as exc:
        cause = exc.__cause__
        state = getattr(cause, "sqlstate", None)
        if state == SQLSTATE_INSUFFICIENT:
            index, balance = (int(x) for x in cause.diag.message_detail.split(":"))
            leg = legs[index - 1]
            raise InsufficientFunds(extra={"account": leg.ref.kind, "balance": balance, "amount": -leg.amount})
        if state == SQLSTATE_UNKNOWN_ACCOUNT:
            leg = legs[int(cause.diag.message_detail) - 1]
            raise UnknownAccount(extra={"account": leg.ref.kind})
        raise


def _post_pg(key, kind, memo, event_id, legs, reverses_id):
    params = [key, kind, memo, event_id, reverses_id, *_pg_params(legs)]
    return _pg_execute(POST_SQL, params, legs)[0]


def post_with_event(*, key, kind, memo, event, legs, reverses_id=None):
    """PostgreSQL only: write the event (`event` = `(sql, params)` from `event_statement`) and
    the transaction in one statement; returns (transaction id, event id). Same errors as
    `post`. Run it outside any transaction (it is then its own) or inside a savepoint."""
    legs = [leg for leg in legs if leg.amount]
    if sum(leg.amount for leg in legs) != 0 or len(legs) < 2:
        raise ValueError("legs must be two or more non-zero amounts summing to zero")
    event_sql, event_params = event
    sql = POST_WITH_EVENT_SQL.format(event_sql=event_sql)
    params = [*event_params, key, kind, memo, reverses_id, *_pg_params(legs)]
    tx_id, event_id = _pg_execute(sql, params, legs)
    return tx_id, event_id
