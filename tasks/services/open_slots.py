"""A project's count of open slots, in OpenSlotStripe rows (issue 18; tasks/models.py says why
in stripes): every service that opens, takes, reopens or cancels slots tells this module which,
in the same transaction, after it has written (and so locked) the slots. A stripe's row is locked
after its slots, in the global lock order of tasks/locks.py; several stripes in stripe order.

The claim itself decrements its slot's stripe inside its one statement (tasks/services/
claiming.py, and the database function of tasks migration 0013), with the same rule:
`slot id % STRIPES`."""

from collections import Counter
from collections.abc import Iterable

from django.db import connection

from tasks.models import OpenSlotStripe

STRIPES = OpenSlotStripe.STRIPES
TABLE = OpenSlotStripe._meta.db_table

# one statement for any number of stripes, on PostgreSQL and SQLite alike. Opening: a stripe's
# row is made at its first slot, then counted up. Closing: a row with slots counted exists, so it
# is counted down in place (an upsert would check its would-be row of a negative count first);
# the check constraint refuses a count below 0.
_OPENED_SQL = (f"INSERT INTO {TABLE} (project_id, stripe, count) VALUES {{rows}} "
               f"ON CONFLICT (project_id, stripe) DO UPDATE SET count = {TABLE}.count + excluded.count")
_CLOSED_SQL = (f"UPDATE {TABLE} SET count = count - CASE stripe {{cases}} END "
               "WHERE project_id = %s AND stripe IN ({ins})")


def stripe_of(slot_id: int) -> int:
    return slot_id % STRIPES


def _by_stripe(slot_ids: Iterable[int]) -> list[tuple[int, int]]:
    """[(stripe, slots)], in stripe order (the lock order between stripes)."""
    return sorted(Counter(stripe_of(pk) for pk in slot_ids).items())


def open_slots_opened(*, project_id: int, slot_ids: Iterable[int]) -> None:
    """These slots (ids) of the project just became open: new, or given back."""
    stripes = _by_stripe(slot_ids)
    if stripes:
        params = [value for stripe, n in stripes for value in (project_id, stripe, n)]
        with connection.cursor() as cursor:
            cursor.execute(_OPENED_SQL.format(rows=", ".join(["(%s, %s, %s)"] * len(stripes))), params)


def open_slots_closed(*, project_id: int, slot_ids: Iterable[int]) -> None:
    """These open slots (ids) of the project were just taken or cancelled."""
    stripes = _by_stripe(slot_ids)
    if stripes:
        params = [value for stripe, n in stripes for value in (stripe, n)] + [project_id] + [s for s, _n in stripes]
        with connection.cursor() as cursor:
            cursor.execute(_CLOSED_SQL.format(cases=" ".join(["WHEN %s THEN %s"] * len(stripes)),
                                              ins=", ".join(["%s"] * len(stripes))), params)
