"""The marketplace's use cases, one module per concern: `claiming`, `work`, `review`,
`publishing`, `imports`, `floor`. Each public service is atomic and records its event (or says
why not). Money moves through `tasks.escrow`, which these services call under the project's
lock; personal data is erased through `tasks.datarights` (accounts' erasure calls it).
Import from here: `from tasks.services import assignment_claim`."""

from tasks.services.claiming import assignment_claim, fair_share_cap, slot_reopen
from tasks.services.floor import project_floor_check, project_floor_raise
from tasks.services.publishing import (
    fees_for,
    project_cancel,
    project_create,
    project_pause,
    project_publish,
    project_resume,
    project_update,
    tasks_add,
    tasks_validate,
)
from tasks.services.review import (
    assignment_approve,
    assignment_auto_approve,
    assignment_bonus,
    assignment_reject,
    assignment_rejection_finalise,
    assignment_rejection_reverse,
    assignment_request_revision,
    assignments_approve,
)
from tasks.services.task_slots import task_close, task_gold_mark, task_slots_add
from tasks.services.work import (
    assignment_draft_save,
    assignment_expire,
    assignment_return,
    assignment_submit,
    data_consent_give,
    project_unwatch,
    project_watch,
    watchers_notify,
)

__all__ = [
    "assignment_approve", "assignment_auto_approve", "assignment_bonus", "assignment_claim",
    "assignment_draft_save", "assignment_expire", "assignment_reject", "assignment_rejection_finalise",
    "assignment_rejection_reverse",
    "assignment_request_revision", "assignment_return", "assignment_submit", "assignments_approve",
    "data_consent_give", "fair_share_cap", "fees_for", "project_cancel", "project_create", "project_pause",
    "project_floor_check", "project_floor_raise",
    "project_publish", "project_resume", "project_unwatch", "project_update", "project_watch", "slot_reopen",
    "tasks_add", "tasks_validate", "watchers_notify", "task_close", "task_slots_add",
    "task_gold_mark",
]

from tasks.services.imports import task_import_create, task_import_run  # noqa: E402

__all__ += ["task_import_create", "task_import_run"]

from tasks.services.country_review import project_review_approve, project_review_refuse  # noqa: E402

__all__ += ["project_review_approve", "project_review_refuse"]
