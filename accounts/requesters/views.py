"""Requester pages: the organisation's home (staff, invitations, keys), registration, terms,
invitation links, the public profile members see, and the operator's list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors
from accounts.models import ApiKey, Organisation, OrganisationStaff, StaffInvitation
from accounts.requesters import services
from accounts.requesters.forms import ApiKeyForm, InvitationForm, OrganisationForm, SuspendForm, TermsForm
from coop.core.errors import DomainError
from coop.federation.access import operator_required, requester_staff_require


def _organisation(request):
    """The organisation a page acts on: `org` (GET or POST) among the user's, else their first."""
    mine = selectors.organisations_of(user=request.user)
    wanted = request.POST.get("org") or request.GET.get("org")
    if wanted:
        try:
            return mine.get(pk=int(wanted))
        except (ValueError, Organisation.DoesNotExist):
            raise Http404
    return mine.first()


def _home(organisation):
    return reverse("accounts:requester_home") + f"?org={organisation.pk}"


_operator_required = operator_required(hide=True)


@login_required
def requester_home(request, key_form=None, invite_form=None, new_secret=None):
    organisation = _organisation(request)
    if organisation is None:
        return render(request, "accounts/requesters/home_empty.html", {})
    staff_row = requester_staff_require(request.user, organisation_id=organisation.pk)
    return render(request, "accounts/requesters/home.html", {
        "organisation": organisation, "me": staff_row, "is_owner": staff_row.role == OrganisationStaff.Role.OWNER,
        "organisations": selectors.organisations_of(user=request.user),
        "terms_current": selectors.organisation_terms_current(organisation=organisation),
        "terms_accepted": selectors.organisation_terms_accepted(organisation=organisation),
        "terms_latest": selectors.terms_latest(),
        "staff": selectors.organisation_staff_list(organisation=organisation),
        "invitations": selectors.organisation_invitations(organisation=organisation)[:20],
        "keys": selectors.organisation_api_keys(organisation=organisation),
        "key_form": key_form or ApiKeyForm(), "invite_form": invite_form or InvitationForm(),
        "new_secret": new_secret, "roles": OrganisationStaff.Role.choices,
    })


@login_required
def requester_register(request):
    form = OrganisationForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_register(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Organisation registered. Read and accept the terms of service."))
            return redirect(reverse("accounts:requester_terms") + f"?org={organisation.pk}")
    return render(request, "accounts/requesters/register.html", {"form": form})


@login_required
def requester_edit(request):
    organisation = _organisation(request)
    if organisation is None:
        raise Http404
    initial = {f: getattr(organisation, f) for f in ("name", "country", "contact_email", "website", "description")}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(user=request.user, organisation=organisation, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(_home(organisation))
    return render(request, "accounts/requesters/edit.html", {"form": form, "organisation": organisation})


@login_required
def requester_terms(request):
    organisation = _organisation(request)
    latest = selectors.terms_latest()
    if request.method == "POST":
        if organisation is None:
            raise Http404
        try:
            services.terms_accept(user=request.user, organisation=organisation, version=request.POST.get("version"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Terms accepted."))
            return redirect(_home(organisation))
    return render(request, "accounts/requesters/terms.html", {
        "organisation": organisation, "latest": latest,
        "accepted": selectors.organisation_terms_accepted(organisation=organisation) if organisation else None,
        "current": selectors.organisation_terms_current(organisation=organisation) if organisation else False,
    })


@login_required
@require_POST
def invitation_create(request):
    organisation = _organisation(request)
    if organisation is None:
        raise Http404
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                user=request.user, organisation=organisation, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], link_base=request.build_absolute_uri("/"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect(_home(organisation))
    return requester_home(request, invite_form=form)


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(StaffInvitation, pk=pk, organisation__in=selectors.organisations_of(
        user=request.user))
    try:
        services.invitation_revoke(user=request.user, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect(_home(invitation.organisation))


def invitation_accept(request, token):
    try:
        invitation = selectors.invitation_for_token(token)
    except DomainError as exc:
        return render(request, "accounts/requesters/invitation.html", {"error": exc.message}, status=404)
    if not request.user.is_authenticated:
        return render(request, "accounts/requesters/invitation.html", {"invitation": invitation, "anonymous": True})
    if request.method == "POST":
        try:
            services.invitation_accept(user=request.user, token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You joined %(org)s.") % {"org": invitation.organisation.name})
            return redirect(_home(invitation.organisation))
    return render(request, "accounts/requesters/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def staff_role(request, pk):
    staff = get_object_or_404(OrganisationStaff, pk=pk, organisation__in=selectors.organisations_of(
        user=request.user))
    try:
        services.staff_role_change(user=request.user, staff=staff, role=request.POST.get("role"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role changed."))
    return redirect(_home(staff.organisation))


@login_required
@require_POST
def staff_remove(request, pk):
    staff = get_object_or_404(OrganisationStaff, pk=pk, organisation__in=selectors.organisations_of(
        user=request.user))
    organisation = staff.organisation
    try:
        services.staff_remove(user=request.user, staff=staff)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_home(organisation))
    messages.success(request, _("Removed from the staff."))
    if staff.user_id == request.user.pk:
        return redirect("accounts:requester_home")
    return redirect(_home(organisation))


@login_required
@require_POST
def api_key_create(request):
    organisation = _organisation(request)
    if organisation is None:
        raise Http404
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, secret = services.api_key_create(user=request.user, organisation=organisation,
                                                  name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            # Rendered, not redirected: the secret is shown this once and kept nowhere.
            return requester_home(request, new_secret={"key": key, "secret": secret})
    return requester_home(request, key_form=form)


@login_required
@require_POST
def api_key_revoke(request, pk):
    key = get_object_or_404(ApiKey, pk=pk, organisation__in=selectors.organisations_of(user=request.user))
    try:
        services.api_key_revoke(user=request.user, key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Key revoked: it no longer works."))
    return redirect(_home(key.organisation))


@login_required
def organisation_profile(request, slug):
    organisation = selectors.organisation_public(slug=slug)
    if organisation is None:
        raise Http404
    return render(request, "accounts/requesters/profile.html", {"organisation": organisation})


@_operator_required
def operator_organisations(request):
    form = TermsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.terms_version_publish(operator=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Terms version %(n)s published.") % {"n": version.number})
            return redirect("accounts:operator_organisations")
    return render(request, "accounts/requesters/operator.html", {
        "organisations": selectors.organisations_for_operator(), "latest": selectors.terms_latest(),
        "form": form, "suspend_form": SuspendForm(),
    })


@_operator_required
@require_POST
def operator_suspend(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reason (at least 10 characters)."))
        return redirect("accounts:operator_organisations")
    try:
        services.organisation_suspend(operator=request.user, organisation=organisation,
                                      reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(org)s is suspended; its keys stop working.") % {"org": organisation.name})
    return redirect("accounts:operator_organisations")


@_operator_required
@require_POST
def operator_unsuspend(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    try:
        services.organisation_unsuspend(operator=request.user, organisation=organisation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(org)s is active again.") % {"org": organisation.name})
    return redirect("accounts:operator_organisations")
