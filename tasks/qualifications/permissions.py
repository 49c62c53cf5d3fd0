"""Who may define, change, grant and revoke a qualification."""

from django.utils.translation import gettext as _

from coop.core.errors import Forbidden
from coop.federation.access import is_requester_staff, is_steward
from coop.federation.errors import NotASteward


def owner_require(*, user, coop_id, organisation_id):
    """A coop's qualification: its stewards. A requester's: that organisation's staff."""
    if user is None or not user.is_authenticated:
        raise Forbidden()
    if organisation_id is None:
        if not is_steward(user, coop_id=coop_id):
            raise NotASteward()
    elif not is_requester_staff(user, organisation_id=organisation_id):
        raise Forbidden("not_organisation_staff", _("Only staff of the requester that owns it may do this."))


def can_manage(*, user, qualification):
    try:
        owner_require(user=user, coop_id=qualification.coop_id, organisation_id=qualification.organisation_id)
    except Forbidden:
        return False
    return True
