"""The federation operator's view of qualifications: read-only (every change goes through a
service so it is an event with its version and evidence)."""

from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from tasks.qualifications.models import (
    Attempt,
    ProjectRequirement,
    Qualification,
    QualificationGrant,
    QualificationRevocation,
    QualificationTest,
    QualificationVersion,
)


@admin.register(Qualification)
class QualificationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "coop", "organisation", "current_version", "created_at"]
    list_filter = ["kind", "coop"]
    search_fields = ["name"]


@admin.register(QualificationVersion)
class QualificationVersionAdmin(ReadOnlyAdmin):
    list_display = ["qualification", "number", "created_at", "rulebook_version"]


@admin.register(QualificationGrant)
class QualificationGrantAdmin(ReadOnlyAdmin):
    list_display = ["qualification", "member", "source", "version", "granted_at", "revoked_at"]
    list_filter = ["source"]


@admin.register(QualificationRevocation)
class QualificationRevocationAdmin(ReadOnlyAdmin):
    list_display = ["qualification", "member", "cause", "version", "created_at", "reinstated_at"]


@admin.register(QualificationTest)
class QualificationTestAdmin(ReadOnlyAdmin):
    list_display = ["qualification", "reward", "pass_mark", "attempts_funded", "attempts_reserved"]
    exclude = ["answer_key"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["test", "member", "number", "status", "score", "passed", "reward"]
    list_filter = ["status", "passed"]


@admin.register(ProjectRequirement)
class ProjectRequirementAdmin(ReadOnlyAdmin):
    list_display = ["project", "qualification", "created_at"]
