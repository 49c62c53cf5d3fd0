from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from coop.eventlog.models import Checkpoint, Event, Sequenced


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
