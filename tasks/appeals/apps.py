from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "tasks.appeals"
    label = "appeals"
    verbose_name = _("Appeals, brake and scorecards")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from tasks.appeals.services.brake import brake_check
        from tasks.services.review import register_rejection_brake

        register_rejection_brake(brake_check)

        from accounts.datarights import register_blocker, register_eraser, register_section
        from tasks.appeals.datarights import (
            appeal_blockers,
            appeal_rows,
            appeal_texts_erase,
            flag_and_review_rows,
            jury_rows,
        )

        register_section("appeals", appeal_rows)
        register_section("jury_seats", jury_rows)
        register_section("flags_and_reviews", flag_and_review_rows)
        register_blocker(appeal_blockers)
        register_eraser(appeal_texts_erase)
