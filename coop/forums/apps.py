from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    name = "coop.forums"
    label = "forums"
    verbose_name = _("Forums")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from coop.forums.kinds import register_kinds

        register_kinds()

        from accounts.datarights import register_eraser, register_section
        from coop.forums.datarights import message_rows, messages_erase

        register_section("forum_posts", message_rows)
        register_eraser(messages_erase)
