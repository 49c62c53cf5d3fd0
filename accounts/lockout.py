"""Log-in lockout (django-axes): how a username is counted and what a locked-out person sees.

After `AXES_FAILURE_LIMIT` wrong passwords for one account from one IP, that pair is locked
for `AXES_COOLOFF_TIME` (settings; docs/security.md "Throttling"). Wrong passwords sent to
confirm an `admin` API key (coop.federation.access.key_admin_confirm) count the same way.
An operator lifts a lockout with `manage.py axes_reset` (or `axes_reset_username <email>`)."""

from math import ceil

from axes.helpers import get_cool_off
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer


def username_of(request, credentials):
    """The account a log-in names, as counted: the email, trimmed and lower-cased (so that
    `Member@X` and `member@x` share one count)."""
    value = (credentials or {}).get("username") or (request.POST.get("username") if request else "") or ""
    return str(value).strip().lower()


def lockout_minutes(request=None):
    cool_off = get_cool_off(request)
    return max(1, ceil(cool_off.total_seconds() / 60)) if cool_off else None


def lockout_response(request, original_response=None, credentials=None):
    """429: the translated lockout page, or `{code: "throttled", message, extra}` under /api/."""
    minutes = lockout_minutes(request)
    if request.path.startswith("/api/"):
        body = {"code": "throttled",
                "message": _("Too many wrong passwords: try again in %(minutes)s minutes.") % {"minutes": minutes},
                "extra": {"retry_after": (minutes or 0) * 60}}
        response = HttpResponse(JSONRenderer().render(body), content_type="application/json", status=429)
    else:
        response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
