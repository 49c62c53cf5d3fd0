from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import (
    ApiKey,
    MemberProfile,
    Notice,
    Organisation,
    OrganisationStaff,
    StaffInvitation,
    TermsAcceptance,
    TermsVersion,
    User,
)
from coop.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "date_joined")
    search_fields = ("email",)
    fieldsets = ((None, {"fields": ("email", "password")}), ("Status", {"fields": ("is_active", "is_staff")}))
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ("is_staff", "is_active")


admin.site.register(MemberProfile)
admin.site.register(Notice)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "country", "created_at", "suspended_at")
    search_fields = ("name", "slug")


@admin.register(OrganisationStaff)
class OrganisationStaffAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "user", "role", "created_at")
    list_select_related = ("organisation", "user")


@admin.register(TermsVersion)
class TermsVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "published_at", "published_by")


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "version", "accepted_by", "accepted_at")
    list_select_related = ("organisation", "version", "accepted_by")


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "email", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "prefix", "name", "created_by", "created_at", "last_used_at", "revoked_at")
    exclude = ("secret_hash",)
