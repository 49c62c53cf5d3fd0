from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from ledger.posting import OWNER_PROJECT
        from ledger.selectors import register_escrow_obligations, register_held_source, register_reconciliation_check
        from tasks.selectors import escrow_obligations, member_held_lines, open_slots_in_cancelled_projects

        register_held_source(member_held_lines)
        register_escrow_obligations(escrow_obligations, owner_kind=OWNER_PROJECT)
        register_reconciliation_check(open_slots_in_cancelled_projects)
