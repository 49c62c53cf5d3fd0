"""The sandbox's three buttons (docs/sandbox.md): enter it (the session acts as the person's
persona from then on), add test money (the twin organisation's balance, from the sandbox's
own outside world), and leave it (back to the person). The pages themselves are the usual
ones; base.html marks every page while the session is a persona."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.requesters.sandbox import persona_owner, sandbox_open
from accounts.selectors import organisations_of
from coop.core.errors import DomainError
from ledger.services import sandbox_money_add

SESSION_KEY = "sandbox_person"  # the id of the person acting as their persona
BACKEND = settings.AUTHENTICATION_BACKENDS[-1]


def _home(organisation):
    return reverse("accounts:requester_home") + f"?org={organisation.pk}"


def _organisation(request):
    """The organisation named by `org`, among the user's (none of theirs: 404; not named: 400)."""
    mine = organisations_of(user=request.user)
    if not mine.exists():
        raise Http404
    wanted = request.POST.get("org", "")
    if not wanted:
        raise BadRequest("org")
    organisation = mine.filter(pk=wanted).first() if wanted.isdigit() else None
    if organisation is None:
        raise Http404
    return organisation


@login_required
@require_POST
def enter(request):
    organisation = _organisation(request)
    person = request.user
    try:
        sandbox = sandbox_open(actor=person, organisation=organisation)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_home(organisation))
    login(request, sandbox.persona, backend=BACKEND)
    request.session[SESSION_KEY] = person.pk
    messages.success(request, _("You are in the sandbox: test money, and only your organisation's staff see "
                                "its work. Leave it from the banner."))
    return redirect(_home(sandbox.organisation))


@login_required
@require_POST
def money(request):
    organisation = _organisation(request)
    try:
        sandbox_money_add(actor=request.user, organisation=organisation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Test money added to the sandbox."))
    return redirect(_home(organisation))


@login_required
@require_POST
def leave(request):
    person = persona_owner(persona=request.user, user_id=request.session.get(SESSION_KEY))
    if person is None:
        raise Http404
    login(request, person, backend=BACKEND)
    messages.success(request, _("You left the sandbox."))
    return redirect(reverse("accounts:requester_home"))
