"""Support for members doing disturbing work (issue 23; docs/disturbing-content.md): the coop's
support contact, today's exposure against the voted limits, and the way into the private room
of the members who did such work."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from coop.federation.selectors import membership_active, rulebook_in_force
from coop.forums.services import support_room_for
from tasks.exposure import did_disturbing_work, exposure_state


@login_required
@require_safe
def support(request):
    membership = membership_active(user=request.user)
    if membership is None:
        raise PermissionDenied(_("Only active members have a support page."))
    coop = membership.coop
    did = did_disturbing_work(member=request.user, coop_id=coop.pk)
    return render(request, "tasks/support.html", {
        "coop": coop, "did_disturbing_work": did,
        "room": support_room_for(coop=coop) if did else None,
        "exposure": exposure_state(member=request.user, rulebook=rulebook_in_force(coop=coop)),
    })
