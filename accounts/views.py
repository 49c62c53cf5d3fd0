from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _

from accounts import services
from accounts.forms import ProfileForm, SignupForm
from coop.core.errors import DomainError
from coop.core.http import safe_next


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"], country=form.cleaned_data["country"].upper(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            next_url = safe_next(request, "federation:apply")  # e.g. back to a requester's staff invitation
            if next_url == resolve_url("federation:apply"):
                messages.success(request, _("Welcome to Atelier. Choose a coop to apply to."))
            return redirect(next_url)
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


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
    from django.views.i18n import set_language

    response = set_language(request)
    if request.method == "POST":  # the service ignores anonymous users and unknown languages
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
