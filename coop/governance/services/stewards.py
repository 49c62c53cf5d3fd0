"""Stewards elected or recalled by an adopted proposal."""

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.services import notify
from coop.eventlog.services import event_record
from coop.federation.access import access_changed
from coop.federation.errors import InvalidTransition
from coop.federation.locks import membership_for_update
from coop.federation.models import Membership
from coop.governance.models import Proposal
from coop.governance.services.common import _link


# --- stewards ----------------------------------------------------------------------------
def _role_change(*, membership, proposal, role, event_type):
    membership = membership_for_update(pk=membership.pk, statuses=(), related=("coop", "user"), must_exist=True)
    if not membership.is_active:
        raise InvalidTransition()
    membership.role = role
    membership.save(update_fields=["role"])
    access_changed(user_id=membership.user_id)  # moderation of the coop's rooms comes or goes
    event_record(type=event_type, coop=membership.coop, subject=membership,
                 payload={"membership": membership.pk, "proposal": proposal.pk})
    return membership


@transaction.atomic
def steward_elect(*, membership: Membership, proposal: Proposal) -> Membership:
    """The members elected this member steward (an adopted proposal)."""
    membership = _role_change(membership=membership, proposal=proposal, role=Membership.Role.STEWARD,
                              event_type="steward.elected")
    notify(user=membership.user, kind="governance",
           message=gettext_noop("The members elected you steward of %(coop)s."), params={
        "coop": membership.coop.name}, link=_link(proposal))
    return membership


@transaction.atomic
def steward_recall(*, membership: Membership, proposal: Proposal) -> Membership:
    """The members recalled this steward (an adopted proposal); they stay a member."""
    membership = _role_change(membership=membership, proposal=proposal, role=Membership.Role.MEMBER,
                              event_type="steward.recalled")
    notify(user=membership.user, kind="governance",
           message=gettext_noop("The members recalled you as steward of %(coop)s."),
           params={"coop": membership.coop.name},
           link=_link(proposal))
    return membership
