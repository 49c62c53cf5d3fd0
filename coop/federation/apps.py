from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "coop.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from accounts.datarights import register_eraser, register_section, register_subjects
        from coop.federation.datarights import membership_rows, membership_subjects, memberships_erase

        register_section("memberships", membership_rows)
        register_eraser(memberships_erase)
        register_subjects(membership_subjects)
