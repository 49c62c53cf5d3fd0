from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from django.contrib.auth.signals import user_logged_in

        from accounts.services import user_language_set

        def remember_language(sender, request, user, **kwargs):
            user_language_set(user=user, language=getattr(request, "LANGUAGE_CODE", ""))

        user_logged_in.connect(remember_language, dispatch_uid="accounts.remember_language", weak=False)

        from accounts.pseudonyms import worker_pseudonym
        from coop.eventlog.privacy import register_pseudonym

        register_pseudonym(worker_pseudonym)

        from accounts.datarights import register_section
        from accounts.selectors import notice_rows, profile_rows

        register_section("profile", profile_rows)
        register_section("notices", notice_rows)
