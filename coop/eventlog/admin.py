from django.contrib import admin

from coop.eventlog.models import Checkpoint, Event, Sequenced


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: the event log is append-only, even for the operator."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "coop", "subject_type", "subject_id", "occurred_at", "txid")
    list_filter = ("type",)
    search_fields = ("type", "subject_id")


@admin.register(Sequenced)
class SequencedAdmin(ReadOnlyAdmin):
    list_display = ("position", "event_id", "sequenced_at")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("size", "signed_at", "key_id", "origin")
