from django.shortcuts import redirect, render

from coop.core import roles


def home(request):
    """Signed in: the home of the role in use (the member's dashboard, the requester's
    organisation, the steward's applications, the operator's coops)."""
    if request.user.is_authenticated:
        return redirect(roles.nav_for(request).home)
    return render(request, "core/home.html")
