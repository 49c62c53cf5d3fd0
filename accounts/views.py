from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import selectors, services
from accounts.api import data_export_response
from accounts.forms import ErasureForm, ProfileForm, SignupConfirmForm, SignupForm
from accounts.models import MemberApiKey
from accounts.signup import signup_confirm as signup_confirm_service
from accounts.signup import signup_request, signup_user_for_link
from accounts.throttles import throttle_posts
from coop.core.errors import DomainError, NotFound
from coop.core.http import safe_next
from ledger.selectors import wallet_balance


@throttle_posts("signup")
def signup(request):
    """The same answer for every valid form, whether the email has an account or not
    (accounts.signup): "check your email"."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signup_request(email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                       display_name=form.cleaned_data["display_name"],
                       country=form.cleaned_data["country"].upper(),
                       # e.g. back to a requester's staff invitation, once confirmed
                       next_url=safe_next(request, ""), link_base=request.build_absolute_uri("/"))
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


@throttle_posts("signup")
def signup_confirm(request, uidb64, token):
    """The link from the sign-up email: with the password chosen at sign-up, opens the account
    and logs in (a POST, so a mail scanner that follows links opens nothing)."""
    valid = signup_user_for_link(uidb64, token) is not None
    form = SignupConfirmForm(request.POST or None)
    if valid and request.method == "POST" and form.is_valid():
        user = signup_confirm_service(uidb64=uidb64, token=token, password=form.cleaned_data["password"])
        if user is not None:
            login(request, user, backend="accounts.backends.UserBackend")
            next_url = safe_next(request, "federation:apply")
            if next_url == resolve_url("federation:apply"):
                messages.success(request, _("Welcome to Atelier. Choose a coop to apply to."))
            return redirect(next_url)
        form.add_error("password", _("This is not the password you chose when signing up."))
    return render(request, "accounts/signup_confirm.html",
                  {"valid": valid, "form": form, "next": safe_next(request, "")})


@login_required
def profile(request):
    profile = getattr(request.user, "profile", None)
    initial = {"languages": ", ".join(profile.languages)} if profile else {}
    form = ProfileForm(request.POST or None, instance=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def notices_read(request):
    if request.method == "POST":
        services.notices_mark_read(user=request.user)
    return redirect("federation:dashboard")


def language_switch(request):
    """Django's `set_language` (cookie and redirect), and for a signed-in person their
    language remembered for the notices others cause."""
    response = set_language(request)
    if request.method == "POST":  # the service ignores anonymous users and unknown languages
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


# --- members' data rights (issue 15; docs/security.md) -------------------------------------

@login_required
def data_rights(request):
    """Download my data, and leaving the federation with erasure."""
    return render(request, "accounts/data_rights.html", {
        "exports": selectors.data_exports_of(user=request.user)[:10],
        "balance": wallet_balance(user=request.user), "form": ErasureForm(),
    })


@login_required
@require_POST
def data_export_create(request):
    export = services.data_export_request(user=request.user)
    return redirect("accounts:data_export", export.pk)


@login_required
def data_export_status(request, pk):
    export = get_object_or_404(selectors.data_exports_of(user=request.user), pk=pk)
    return render(request, "accounts/data_export.html", {"export": export})


@login_required
def data_export_download(request, pk):
    export = get_object_or_404(selectors.data_exports_of(user=request.user), pk=pk)
    try:
        return data_export_response(export)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:data_export", export.pk)


@login_required
@require_POST
def member_erase(request):
    form = ErasureForm(request.POST)
    if form.is_valid():
        try:
            services.member_erase(user=request.user, password=form.cleaned_data["password"],
                                  donate=form.cleaned_data["donate_balance"])
        except DomainError as exc:
            for reason in exc.extra.get("reasons", []) if isinstance(exc.extra, dict) else []:
                if reason.get("message"):
                    messages.error(request, reason["message"])
            if not (isinstance(exc.extra, dict) and any(r.get("message") for r in exc.extra.get("reasons", []))):
                form.add_error(None, exc.message)
        else:
            logout(request)
            messages.success(request, _("Your personal data was erased and you left the federation. Goodbye."))
            return redirect("home")
    return render(request, "accounts/data_rights.html", {
        "exports": selectors.data_exports_of(user=request.user)[:10],
        "balance": wallet_balance(user=request.user), "form": form,
    }, status=400)


@login_required
def member_keys(request):
    """A person's own keys for the member API (issue 18): make one (the secret is shown once,
    on this answer only) and revoke them."""
    new_secret, status = None, 200
    if request.method == "POST":
        try:
            key, secret = services.member_key_create(user=request.user, name=request.POST.get("name", ""),
                                                     scopes=request.POST.getlist("scopes"))
            new_secret = {"key": key, "secret": secret}
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 400
    return render(request, "accounts/member_keys.html", {
        "keys": selectors.member_keys_of(user=request.user), "new_secret": new_secret,
        "scopes": [(value, label, MemberApiKey.SCOPE_HELP[value]) for value, label in MemberApiKey.Scope.choices],
    }, status=status)


@login_required
@require_POST
def member_key_revoke(request, pk):
    try:
        services.member_key_revoke(user=request.user, key_id=pk)
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The key is revoked: requests with it now fail."))
    return redirect("accounts:member_keys")
