"""The writes of the MTurk-compatible API (docs/mturk.md): `hits` creates HIT types and HITs and
reviews and pays their assignments, `life` follows a HIT after creation, `qualifications` maps
qualification types and requirements onto Atelier's published qualifications. Import from here."""

from tasks.mturk.services.defaults import defaults_set
from tasks.mturk.services.hits import (
    DEFAULT_REASON,
    assignment_approve,
    assignment_reject,
    bonus_send,
    hit_create,
    hit_type_create,
    hit_type_settings,
    rejection_reason_for,
    worker_block,
    worker_unblock,
)
from tasks.mturk.services.life import (
    NOTIFY_MAX_WORKERS,
    NOTIFY_PER_HOUR,
    hit_assignments_add,
    hit_delete,
    hit_expiration_update,
    hit_expire,
    hit_review_status_update,
    workers_notify,
)
from tasks.mturk.services.qualifications import (
    qualification_associate,
    qualification_disassociate,
    qualification_type_create,
    qualification_type_dispose,
    qualification_type_update,
)

__all__ = [
    "DEFAULT_REASON", "NOTIFY_MAX_WORKERS", "NOTIFY_PER_HOUR", "assignment_approve", "assignment_reject",
    "bonus_send", "defaults_set", "hit_assignments_add", "hit_create", "hit_delete", "hit_expiration_update",
    "hit_expire",
    "hit_review_status_update", "hit_type_create", "hit_type_settings", "qualification_associate",
    "qualification_disassociate", "qualification_type_create", "qualification_type_dispose",
    "qualification_type_update", "rejection_reason_for", "worker_block", "worker_unblock", "workers_notify",
]
