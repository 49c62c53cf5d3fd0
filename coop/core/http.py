"""Where a page may send the browser next: only back into Atelier (no open redirect)."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default, *, param="next"):
    """The `next` of the POST (then the query string) when it points into this site, else
    `default` (a URL or URL name; "" for none). Same rule as Django's log-in: the host is the request's,
    and on HTTPS the scheme must stay HTTPS."""
    candidate = request.POST.get(param) or request.GET.get(param) or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return resolve_url(default) if default else ""
