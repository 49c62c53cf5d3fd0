from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from coop.federation.models import Article, Coop, Federation, Membership, RulebookVersion


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
