"""A project's escrow: the requester's money held for its slots (`escrow_hold`), paid out
to the worker and the fees on approval (`escrow_release`), given back when a slot is not used
(`escrow_refund`). Keys are `project:<id>:hold:<n>`, `assignment:<id>:release`,
`assignment:<id>:refund`, ..."""


from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User
from coop.federation.selectors import coop_is_sandbox
from ledger import posting
from ledger.errors import InvalidAmount, UnknownAccount
from ledger.locks import balances_for_update
from ledger.models import Transaction
from ledger.posting import Leg
from ledger.services.movements import _amount, _key, _move, _pk, _project


def escrow_hold(*, project: models.Model, amount: int, key: str, actor: User | None = None) -> Transaction:
    """Publishing: rewards and fees, as fixed at publish, from the requester balance into the
    project's escrow. InsufficientFunds (`insufficient_funds`) when the balance is short."""
    project_id, coop_id, org_id = _project(project)
    owner = posting.escrow_owner_kind(project)
    if org_id is None:
        raise UnknownAccount(message=_("This project has no requester to hold money from."),
                             extra={"owner": "organisation"})
    _amount(amount)
    key = _key(key)
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_HOLD,
        legs=[Leg(posting.requester(org_id), -amount), Leg(posting.escrow(project_id, owner), amount)],
        event={"type": "ledger.escrow_held", "coop": coop_id, "actor": actor, "subject": (owner, project_id),
               "payload": {"project": project_id, "organisation": org_id, "amount": amount, "key": key}},
    )


def _release_legs(*, project_id, owner, coop_id, user_id, reward, fee_coop, fee_federation, fee_juror, key):
    shard = posting.shard_for(key)
    return [
        Leg(posting.escrow(project_id, owner), -(reward + fee_coop + fee_federation + fee_juror), must_exist=True),
        Leg(posting.wallet(user_id), reward),
        Leg(posting.treasury(coop_id, shard), fee_coop),
        Leg(posting.federation_fee(shard, sandbox=coop_is_sandbox(coop_id)), fee_federation),
        Leg(posting.juror_fund(coop_id, shard), fee_juror),
    ]


def escrow_release(*, project: models.Model, user: User, reward: int, fee_coop: int, fee_federation: int,
                   fee_juror: int, key: str, actor: User | None = None) -> Transaction:
    """Approval: from the project's escrow, the reward to the member's wallet and the fee's
    coop, federation and juror-fund parts (exactly as fixed at publish) to the split shared
    accounts (the sub-account is chosen by a hash of `key`)."""
    project_id, coop_id, _org = _project(project)
    owner = posting.escrow_owner_kind(project)
    user_id = _pk(user, "member")
    _amount(reward, name="reward", zero_ok=True)
    _amount(fee_coop, name="fee_coop", zero_ok=True)
    _amount(fee_federation, name="fee_federation", zero_ok=True)
    _amount(fee_juror, name="fee_juror", zero_ok=True)
    total = reward + fee_coop + fee_federation + fee_juror
    if total == 0:
        raise InvalidAmount(extra={"field": "reward", "value": 0})
    key = _key(key)
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_RELEASE,
        legs=_release_legs(project_id=project_id, owner=owner, coop_id=coop_id, user_id=user_id, reward=reward,
                           fee_coop=fee_coop, fee_federation=fee_federation, fee_juror=fee_juror, key=key),
        event={"type": "ledger.escrow_released", "coop": coop_id, "actor": actor,
               "subject": (owner, project_id),
               "payload": {"project": project_id, "user": user_id, "reward": reward, "fee_coop": fee_coop,
                           "fee_federation": fee_federation, "fee_juror": fee_juror, "key": key}},
    )


def escrow_releases_lock(*, project: models.Model, releases: list[dict]) -> None:
    """Call inside the transaction, before SEVERAL releases from one escrow (a bulk approval):
    lock every balance they will change, all at once in account-id order (ledger.locks).

    One posting takes its locks in that order by itself, but a transaction posting n times takes
    them posting by posting and holds them to its commit: a bulk approval paying member A then B
    (and shard 3 then shard 7) against another paying B then A deadlocked 35 times in 40 (issue
    24). With every lock taken first, in the global order, the postings then find their rows
    already locked. `releases`: dicts with `user`, `reward`, `fee_coop`, `fee_federation`,
    `fee_juror` and `key`, as `escrow_release` takes them. PostgreSQL only: SQLite has one writer."""
    if not posting.is_postgres() or len(releases) < 2:
        return
    project_id, coop_id, _org = _project(project)
    owner = posting.escrow_owner_kind(project)
    legs = [leg for r in releases for leg in _release_legs(
        project_id=project_id, owner=owner, coop_id=coop_id, user_id=_pk(r["user"], "member"), reward=r["reward"],
        fee_coop=r["fee_coop"], fee_federation=r["fee_federation"], fee_juror=r["fee_juror"], key=_key(r["key"]))
        if leg.amount]
    ids = posting.accounts_get([leg.ref for leg in legs if leg.must_exist])
    ids.update(posting.accounts_get([leg.ref for leg in legs if not leg.must_exist], create=True))
    balances_for_update(ids.values())


def escrow_refund(*, project: models.Model, amount: int, key: str, actor: User | None = None) -> Transaction:
    """Unused or upheld-rejection money from the escrow back to the requester's balance (or,
    for a project the coop funded itself, back to the coop's treasury)."""
    project_id, coop_id, org_id = _project(project)
    owner = posting.escrow_owner_kind(project)
    _amount(amount)
    key = _key(key)
    target = posting.requester(org_id) if org_id is not None else posting.treasury(coop_id, posting.shard_for(key))
    return _move(
        key=key, kind=Transaction.Kind.ESCROW_REFUND,
        legs=[Leg(posting.escrow(project_id, owner), -amount, must_exist=True), Leg(target, amount)],
        event={"type": "ledger.escrow_refunded", "coop": coop_id, "actor": actor,
               "subject": (owner, project_id),
               "payload": {"project": project_id, "organisation": org_id, "amount": amount, "key": key}},
    )
