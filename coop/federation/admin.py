from django.contrib import admin

from coop.federation.models import Article, Coop, Federation, Membership, RulebookVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Coops, memberships and rulebooks change through services (and their events) only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Coop)
class CoopAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "country", "created_at")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "coop", "role", "status", "applied_at")
    list_filter = ("coop", "role", "status")


admin.site.register(Federation, ReadOnlyAdmin)
admin.site.register(RulebookVersion, ReadOnlyAdmin)
admin.site.register(Article, ReadOnlyAdmin)
