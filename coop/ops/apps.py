from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "coop.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        # imports in ready(), not at the top: models and services load once the app registry is ready
        from django_q.signals import post_execute

        from coop.ops import metrics

        def count_failure(sender, task, **kwargs):
            if not task.get("success", True):
                metrics.job_failed(task.get("func", "?"))

        post_execute.connect(count_failure, dispatch_uid="atelier-job-failures", weak=False)
