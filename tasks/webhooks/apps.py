from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "tasks.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.eventlog.listeners import register_listener
        from tasks.webhooks.catalogue import SOURCE_TYPES
        from tasks.webhooks.events import event_heard

        # the marketplace, appeals and quality record their events; the webhooks hear them here,
        # so none of those lower layers imports this one (docs/architecture.md)
        register_listener(*SOURCE_TYPES, listener=event_heard)
