from django.utils.translation import gettext_lazy as _

from coop.core.errors import DomainError


class InvalidWebhook(DomainError):
    status = 400
    code = "invalid_webhook"
    default_message = _("This webhook is not valid.")
