from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MturkConfig(AppConfig):
    name = "tasks.mturk"
    label = "mturk"
    verbose_name = _("MTurk-compatible API")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from tasks.eligibility import register_check
        from tasks.mturk.eligibility import block_reasons
        from tasks.mturk.selectors import work_frame_url
        from tasks.selectors import register_work_frame

        register_check(block_reasons)  # a requester's private block keeps the member from its work
        # the member's work page shows an MTurk HTML or external question in a sandboxed frame
        register_work_frame(work_frame_url)
