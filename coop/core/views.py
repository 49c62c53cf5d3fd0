from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import defaults

from coop.core.guard import error_response, is_api
from coop.federation import roles


def home(request):
    """Signed in: the home of the role in use (the member's dashboard, the requester's
    organisation, the steward's applications, the operator's coops)."""
    if request.user.is_authenticated:
        return redirect(roles.nav_for(request).home)
    return render(request, "core/home.html")


# --- error handlers (coop/urls.py): JSON `{code, message, extra}` under /api/ ------------------

def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, "too_large", _("The request is too large."))
    return error_response(request, 400, "bad_request", _("The request is not valid."))


def permission_denied(request, exception):
    if is_api(request):
        return error_response(request, 403, "permission_denied", _("You may not do this."))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return error_response(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return error_response(request, 500, "server_error", _("Something went wrong on our side. Try again."))
    return defaults.server_error(request)
