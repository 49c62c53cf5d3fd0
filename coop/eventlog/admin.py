from django.contrib import admin

from coop.eventlog.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the event log is append-only, even for the operator."""

    list_display = ("id", "type", "coop", "subject_type", "subject_id", "occurred_at", "txid")
    list_filter = ("type",)
    search_fields = ("type", "subject_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
