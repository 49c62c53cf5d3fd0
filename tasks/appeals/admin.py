from django.contrib import admin

from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview, Scorecard


class ReadOnly(admin.ModelAdmin):
    """Appeals change through their services (and events) only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview, Scorecard):
    admin.site.register(model, ReadOnly)
