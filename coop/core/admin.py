from django.contrib import admin

from coop.core.models import IdempotencyRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """The federation operator's view of a table that changes only through services (and their
    events): Django admin may read it, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["scope", "key", "status_code", "created_at"]
