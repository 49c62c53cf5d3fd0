from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "coop.governance"
    label = "governance"
    verbose_name = _("Governance")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.governance import services
        from coop.governance.changes import register_steward_services

        register_steward_services(elect=services.steward_elect, recall=services.steward_recall)

        from accounts.datarights import register_eraser, register_section
        from coop.governance.datarights import proposal_rows, proposals_erase, vote_rows

        register_section("votes", vote_rows, note=_(
            "A vote's choice is listed while its ballot is still linked to you (voting open, or an open ballot). "
            "When a secret ballot closes, the link between you and your ballot is erased for everyone, us "
            "included: such rows say that you voted, with choice_knowable false."))
        register_section("proposals", proposal_rows)
        register_eraser(proposals_erase)
