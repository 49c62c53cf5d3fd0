"""Where the federation locks rows: the one membership lock every app uses, and the rows that
serialise rulebook version numbers (a coop's, the federation's).

`membership_for_update` takes FOR NO KEY UPDATE on the membership row only (`of=("self",)`):
rows joined for reading (coop, user) are not locked, and the lock does not block the FOREIGN
KEY checks of rows inserted under it (KEY SHARE), which FOR UPDATE would (issue 24: two
transactions deadlocked at COMMIT over a parent row). A membership comes first in the global
lock order of docs/ledger.md ("Lock order"): membership, assignments, project, slots, balances."""

import functools

from django.db import connection

from accounts.models import User
from coop.core.db import execute_one, instance_from_row, select_columns
from coop.federation.models import Coop, Federation, Membership

ACTIVE = (Membership.Status.ACTIVE,)


def membership_for_update(*, pk: int | None = None, user: User | int | None = None, coop_id: int | None = None,
                          statuses: tuple[str, ...] = ACTIVE, related: tuple[str, ...] = (),
                          must_exist: bool = False) -> Membership | None:
    """Lock one membership and return it (None when there is none, or `Membership.DoesNotExist`
    with `must_exist`): by `pk`, or the `user`'s (a user or user id) in `coop_id`, among
    `statuses` (the active one by default; `()` for any status, `Membership.LIVE` for a live one
    in any coop). `related` names relations read with it (not locked)."""
    if (connection.vendor != "postgresql" and pk is None and user is not None and coop_id is not None
            and len(statuses) == 1 and not related):
        # a member's claim, test or vote in one coop: SQLite has no row locks, and the ORM spent
        # more compiling this statement than SQLite running it (issue 21); the same row
        row = execute_one(_membership_sql(), [getattr(user, "pk", user), coop_id, statuses[0]])
        membership = instance_from_row(Membership, row)[0] if row is not None else None
        if membership is None and must_exist:
            raise Membership.DoesNotExist()
        return membership
    qs = Membership.objects.select_for_update(no_key=True, of=("self",))
    if related:
        qs = qs.select_related(*related)
    if pk is not None:
        qs = qs.filter(pk=pk)
    if user is not None:
        qs = qs.filter(user=user)
    if coop_id is not None:
        qs = qs.filter(coop_id=coop_id)
    if len(statuses) == 1:
        qs = qs.filter(status=statuses[0])
    elif statuses:
        qs = qs.filter(status__in=statuses)
    membership = qs.first()
    if membership is None and must_exist:
        raise Membership.DoesNotExist()
    return membership


@functools.cache
def _membership_sql():
    return (f"SELECT {select_columns(Membership, 'm')} FROM {Membership._meta.db_table} m "
            "WHERE m.user_id = %s AND m.coop_id = %s AND m.status = %s ORDER BY m.id LIMIT 1")


def coop_for_update(pk: int) -> Coop:
    """Serialises a coop's rulebook version numbers."""
    return Coop.objects.select_for_update().get(pk=pk)


def federation_for_update() -> Federation | None:
    """Serialises the federation's rulebook version numbers."""
    return Federation.objects.select_for_update().order_by("pk").first()
