"""An organisation's defaults for its MTurk scripts (docs/mturk.md): the coop its HITs go to
when `Keywords` names none, and the published reason RejectAssignment uses when the feedback
has no `[reason:<code>]` prefix."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from coop.core.errors import DomainError
from coop.eventlog.services import event_record
from coop.federation.access import requester_staff_require
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from tasks.mturk.models import RequesterDefaults


@transaction.atomic
def defaults_set(*, actor: User, organisation: Organisation, coop: Coop | None = None,
                 rejection_reason: str = "") -> RequesterDefaults:
    """Set both defaults (staff of the organisation). The reason must be one of the default
    coop's published reasons (or, with no default coop, of the federation's list)."""
    requester_staff_require(actor, organisation_id=organisation.pk)
    reason = (rejection_reason or "").strip()
    if reason:
        reasons = rulebook_in_force(coop=coop)["rejection_reasons"] if coop is not None else None
        if reasons is not None and reason not in reasons:
            raise DomainError("unknown_reason", _("This reason is not one of the coop's published rejection reasons."),
                              {"field": "rejection_reason"})
    defaults, _created = RequesterDefaults.objects.get_or_create(organisation=organisation)
    defaults.coop, defaults.rejection_reason = coop, reason
    defaults.updated_at, defaults.updated_by = timezone.now(), actor
    defaults.save()
    event_record(type="mturk.defaults_set", actor=actor, subject=organisation,
                 payload={"organisation": organisation.pk, "coop": getattr(coop, "pk", None), "reason": reason})
    return defaults
