"""Who may define, change, grant and revoke a qualification."""

from django.utils.translation import gettext as _

from accounts.models import OrganisationStaff
from coop.core.errors import Forbidden
from coop.federation.errors import NotASteward
from coop.federation.models import Membership


def is_steward(*, user, coop_id):
    return Membership.objects.filter(user=user, coop_id=coop_id, role=Membership.Role.STEWARD,
                                     status=Membership.Status.ACTIVE).exists()


def is_organisation_staff(*, user, organisation_id):
    return OrganisationStaff.objects.filter(user=user, organisation_id=organisation_id).exists()


def owner_require(*, user, coop_id, organisation_id):
    """A coop's qualification: its stewards. A requester's: that organisation's staff."""
    if user is None or not user.is_authenticated:
        raise Forbidden()
    if organisation_id is None:
        if not is_steward(user=user, coop_id=coop_id):
            raise NotASteward()
    elif not is_organisation_staff(user=user, organisation_id=organisation_id):
        raise Forbidden("not_organisation_staff", _("Only staff of the requester that owns it may do this."))


def can_manage(*, user, qualification):
    try:
        owner_require(user=user, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    except Forbidden:
        return False
    return True
