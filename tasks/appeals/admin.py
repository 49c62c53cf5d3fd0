from django.contrib import admin

from coop.core.admin import ReadOnlyAdmin
from tasks.appeals.models import Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview, Scorecard

for model in (Appeal, JurySeat, ProjectBrake, ProjectFlag, RequesterReview, Scorecard):
    admin.site.register(model, ReadOnlyAdmin)
