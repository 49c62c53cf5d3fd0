from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationsConfig(AppConfig):
    name = "tasks.qualifications"
    label = "qualifications"
    verbose_name = _("Qualifications")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.eventlog.privacy import register_personal
        from ledger.selectors import register_escrow_obligations, register_sandbox_owners
        from tasks.eligibility import register_check
        from tasks.qualifications.eligibility import qualification_reasons
        from tasks.qualifications.models import QualificationTest
        from tasks.qualifications.selectors import test_escrow_obligations, tests_in_sandboxes

        register_check(qualification_reasons)
        register_escrow_obligations(test_escrow_obligations, owner_kind=QualificationTest.escrow_owner_kind)
        register_sandbox_owners(tests_in_sandboxes, owner_kind=QualificationTest.escrow_owner_kind)
        # a submitted paid test carries the reward paid into the member's wallet (issue 15, leak 3)
        register_personal("test_attempt.submitted", owner_key="actor")
