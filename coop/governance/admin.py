from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from coop.governance.models import Proposal, ProposalChange


class ChangeInline(admin.TabularInline):
    model = ProposalChange
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "key", "current", "proposed", "membership", "skipped"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Proposals change through governance services only; ballots are not shown here."""

    list_display = ["pk", "title", "coop", "status", "secret", "voting_ends_at", "yes_count", "no_count"]
    list_filter = ["status", "coop"]
    inlines = [ChangeInline]
