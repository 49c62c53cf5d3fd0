from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MturkConfig(AppConfig):
    name = "tasks.mturk"
    label = "mturk"
    verbose_name = _("MTurk-compatible API")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from tasks.mturk.selectors import work_frame_url
        from tasks.selectors import register_work_frame

        # the member's work page shows an MTurk HTML or external question in a sandboxed frame
        register_work_frame(work_frame_url)
