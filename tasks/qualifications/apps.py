from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationsConfig(AppConfig):
    name = "tasks.qualifications"
    label = "qualifications"
    verbose_name = _("Qualifications")

    def ready(self):
        from tasks.eligibility import register_check
        from tasks.qualifications.eligibility import qualification_reasons

        register_check(qualification_reasons)
