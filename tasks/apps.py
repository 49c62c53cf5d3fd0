from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.eventlog.privacy import register_owner_resolver, register_personal
        from ledger.posting import OWNER_PROJECT
        from ledger.selectors import (
            register_escrow_obligations,
            register_held_source,
            register_reconciliation_check,
            register_sandbox_owners,
            register_statement_subjects,
            register_work_source,
        )
        from tasks.reconciliation import open_slot_counts_off, open_slots_in_cancelled_projects
        from tasks.selectors import (
            assignment_owners,
            escrow_obligations,
            member_held_lines,
            projects_in_sandboxes,
            statement_subjects,
            work_done_by_member,
        )

        register_held_source(member_held_lines)
        register_statement_subjects(statement_subjects)
        register_escrow_obligations(escrow_obligations, owner_kind=OWNER_PROJECT)
        register_reconciliation_check(open_slots_in_cancelled_projects)
        register_reconciliation_check(open_slot_counts_off)  # issue 18: the feed's counts add up
        register_sandbox_owners(projects_in_sandboxes, owner_kind=OWNER_PROJECT)
        register_work_source(work_done_by_member)  # issue 23: patronage shares the surplus by work done
        # an approval pays the reward, a bonus pays its amount: the worker's payload only (issue 15, leak 3)
        register_personal("assignment.approved", "assignment.bonus_paid", owner_key="assignment",
                          resolver="assignment")
        register_owner_resolver("assignment", assignment_owners)

        from accounts.datarights import register_blocker, register_eraser, register_section
        from tasks.datarights import assignment_blockers, assignment_rows, drafts_erase

        register_section("assignments", assignment_rows)
        register_blocker(assignment_blockers)
        register_eraser(drafts_erase)

        from tasks.eligibility import register_check
        from tasks.exposure import exposure_reasons

        register_check(exposure_reasons)  # issue 23: limits on disturbing content, checked under the member's lock
