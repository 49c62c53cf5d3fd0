from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from coop.forums.models import Message, Report, Room


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "coop", "audience", "next_seq", "created_at")
    list_filter = ("kind", "coop")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("room", "posted_seq", "seq", "author_label", "created_at", "hidden_at")
    list_filter = ("room__coop",)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("message", "created_at", "resolved_at")
