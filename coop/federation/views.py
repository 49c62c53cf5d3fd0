
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import notices_for, notices_unread_count
from coop.core.errors import DomainError
from coop.federation import selectors, services, translations
from coop.federation.access import operator_required, steward_required
from coop.federation.forms import (
    ApplyForm,
    CoopCreateForm,
    ReasonForm,
    StewardAppointForm,
    SupportContactForm,
    SuspendForm,
)
from coop.federation.models import Coop, Membership
from tasks.selectors import project_categories_by_coop


@login_required
def dashboard(request):
    membership = selectors.membership_live(user=request.user)
    rulebook = None
    if membership and membership.status in ("active", "suspended", "left"):
        try:
            rulebook = selectors.rulebook_in_force(coop=membership.coop)
        except DomainError:  # no version in force yet: the card is simply not shown
            rulebook = None
    return render(request, "federation/dashboard.html", {
        "membership": membership, "rulebook": rulebook,
        "notices": notices_for(user=request.user), "unread": notices_unread_count(user=request.user),
    })


@login_required
def apply(request):
    chosen = request.GET.get("coop")
    form = ApplyForm(request.POST or None, initial={"coop": chosen} if str(chosen or "").isdigit() else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_apply(user=request.user, coop=form.cleaned_data["coop"],
                                      statement=form.cleaned_data["statement"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your application was sent. A steward will answer you here."))
            return redirect("federation:dashboard")
    membership = selectors.membership_live(user=request.user)
    return render(request, "federation/apply.html", {
        "form": form, "membership": membership, "coops": selectors.coops_for_applicants(
            work_kinds=project_categories_by_coop(days=selectors.KINDS_OF_WORK_DAYS)),
        "can_apply": membership is None or membership.status not in Membership.LIVE or form.errors,
    })


def rulebook(request, slug):
    coop = get_object_or_404(Coop, slug=slug)
    try:
        book = selectors.rulebook_in_force(coop=coop)
    except DomainError:  # no version in force yet
        raise Http404(_("This coop has no rulebook in force yet."))
    return render(request, "federation/rulebook.html", {
        "coop": coop, "rulebook": book, "rows": selectors.rulebook_rows(rulebook=book),
        "versions": selectors.rulebook_versions(coop=coop),
    })


@login_required
def leave(request):
    if request.method == "POST":
        try:
            services.membership_leave(user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You have left the coop. You can still see and withdraw what is yours."))
    return redirect("federation:dashboard")


# --- steward pages: scoped to the steward's own coop ----------------------------------------

def _membership_in_my_coop(stewardship, pk):
    """Another coop's membership is a 404: stewards do not learn what exists elsewhere."""
    return get_object_or_404(Membership.objects.select_related("user", "user__profile", "coop"),
                             pk=pk, coop=stewardship.coop)


@steward_required
def steward_applications(request, stewardship):
    return render(request, "federation/steward_applications.html", {
        "coop": stewardship.coop, "applications": selectors.coop_applications(coop=stewardship.coop),
    })


@steward_required
@require_POST
def steward_admit(request, stewardship, pk):
    membership = _membership_in_my_coop(stewardship, pk)
    try:
        services.membership_admit(steward=request.user, membership=membership)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is now a member.") % {"name": membership.user.display_name})
    return redirect("federation:steward_applications")


def _reason_page(request, stewardship, pk, *, service, title, button, success, back):
    membership = _membership_in_my_coop(stewardship, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(steward=request.user, membership=membership, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success % {"name": membership.user.display_name})
            return redirect(back)
    return render(request, "federation/steward_reason.html", {
        "membership": membership, "form": form, "title": title, "button": button, "back": back,
    })


@steward_required
def steward_decline(request, stewardship, pk):
    return _reason_page(request, stewardship, pk, service=services.membership_decline,
                        title=_("Decline an application"), button=_("Decline"),
                        success=_("The application of %(name)s was declined."),
                        back="federation:steward_applications")


@steward_required
def steward_reinstate(request, stewardship, pk):
    return _reason_page(request, stewardship, pk, service=services.membership_reinstate,
                        title=_("Reinstate a member"), button=_("Reinstate"),
                        success=_("%(name)s is active again."), back="federation:steward_members")


@steward_required
def steward_members(request, stewardship):
    status = request.GET.get("status")
    if status not in dict(Membership.Status.choices):
        status = None
    return render(request, "federation/steward_members.html", {
        "coop": stewardship.coop, "members": selectors.coop_members(coop=stewardship.coop, status=status),
        "status": status, "statuses": Membership.Status.choices,
    })


@steward_required
def steward_suspend(request, stewardship, pk):
    membership = _membership_in_my_coop(stewardship, pk)
    book = selectors.rulebook_in_force(coop=stewardship.coop)
    form = SuspendForm(request.POST or None, articles=book.articles)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_suspend(steward=request.user, membership=membership,
                                        article_number=form.cleaned_data["article"],
                                        reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is suspended.") % {"name": membership.user.display_name})
            return redirect("federation:steward_members")
    return render(request, "federation/steward_suspend.html", {
        "membership": membership, "form": form, "rulebook": book,
    })


# --- the federation operator ------------------------------------------------------------

@operator_required
def operator_home(request):
    create_form = CoopCreateForm(prefix="coop")
    appoint_form = StewardAppointForm(prefix="appoint")
    if request.method == "POST" and "coop-name" in request.POST:
        create_form = CoopCreateForm(request.POST, prefix="coop")
        if create_form.is_valid():
            data = create_form.cleaned_data
            try:
                stewards = selectors.users_by_emails(emails=data["stewards"])
                coop = services.coop_create(operator=request.user, name=data["name"], slug=data["slug"],
                                            country=data["country"], description=data["description"],
                                            stewards=stewards)
            except DomainError as exc:
                create_form.add_error(None, exc.message)
            else:
                messages.success(request, _("Coop %(name)s created with its founding rulebook.") % {"name": coop.name})
                return redirect("federation:operator")
    elif request.method == "POST":
        appoint_form = StewardAppointForm(request.POST, prefix="appoint")
        if appoint_form.is_valid():
            data = appoint_form.cleaned_data
            try:
                (user,) = selectors.users_by_emails(emails=[data["email"]])
                services.steward_appoint(operator=request.user, coop=data["coop"], user=user)
            except DomainError as exc:
                appoint_form.add_error(None, exc.message)
            else:
                messages.success(request, _("%(email)s is now a steward of %(coop)s.")
                                 % {"email": user.email, "coop": data["coop"].name})
                return redirect("federation:operator")
    return render(request, "federation/operator.html", {
        "coops": selectors.coops_with_counts(), "create_form": create_form, "appoint_form": appoint_form,
    })


@steward_required
def steward_support(request, stewardship):
    """The support contact members doing disturbing work can reach (issue 23)."""
    coop = stewardship.coop
    form = SupportContactForm(request.POST or None, initial={"support_contact": coop.support_contact})
    if request.method == "POST" and form.is_valid():
        try:
            services.coop_support_contact_set(steward=request.user, coop=coop,
                                              text=form.cleaned_data["support_contact"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved: members see it on the pause screen and their support page."))
            return redirect("federation:steward_support")
    return render(request, "federation/steward_support.html", {"coop": coop, "form": form})


# --- help translate (issue 23; docs/languages-and-money.md) ----------------------------------

@steward_required
def translate(request, stewardship):
    """The coop's language: its catalogue's counts, a download, and an upload that replaces it."""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("catalogue")
        try:
            if upload is None:
                raise DomainError("po_missing", _("Choose the .po file to upload."))
            counts = translations.catalogue_import(steward=request.user,
                                                   content=upload.read(translations.MAX_UPLOAD_BYTES + 1))
        except DomainError as exc:
            messages.error(request, exc.message)
            for problem in (exc.extra.get("problems", [])[1:] if isinstance(exc.extra, dict) else []):
                messages.error(request, problem)
            status = 400
        else:
            messages.success(request, _("The catalogue is in use: %(translated)s reviewed, %(fuzzy)s awaiting "
                                        "review, %(untranslated)s not translated.") % counts)
            return redirect("federation:translate")
    try:
        coop, language, counts = translations.catalogue_for_steward(steward=request.user)
    except DomainError as exc:
        coop, language, counts, problem = stewardship.coop, None, None, exc.message
    else:
        problem = ""
    return render(request, "federation/translate.html", {
        "coop": coop, "language": language, "counts": counts, "problem": problem,
    }, status=status)


@steward_required
@require_GET
def translate_export(request, stewardship):
    try:
        name, content = translations.catalogue_export(steward=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("federation:translate")
    response = HttpResponse(content, content_type="text/x-gettext-translation; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
