from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "tasks.quality"
    label = "quality"
    verbose_name = _("Quality control")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.eventlog.listeners import register_listener
        from tasks.quality.triggers import CLOSE_TYPES, project_closing_heard

        # a project that closes (cancelled, or its last work reviewed) is aggregated by a job;
        # the marketplace records the events and imports nothing of quality
        register_listener(*CLOSE_TYPES, listener=project_closing_heard)
