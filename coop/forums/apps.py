from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "coop.forums"
    label = "forums"
    verbose_name = _("Forums")

    def ready(self):
        from coop.forums.kinds import register_kinds

        register_kinds()
