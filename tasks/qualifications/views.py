"""Pages: members see every qualification, where they stand and the next step; stewards and
requesters define, change, grant and fund. Views parse, call a service and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organisation, User
from accounts.pseudonyms import worker_from_pseudonym
from accounts.selectors import organisations_of
from coop.core.errors import DomainError
from coop.federation.access import requester_staff_require
from coop.federation.models import active_q
from coop.federation.selectors import membership_active, rulebook_in_force
from tasks.models import Project
from tasks.qualifications import selectors, services
from tasks.qualifications.forms import FundForm, GrantForm, QualificationForm, RequirementsForm, TestForm, VersionForm
from tasks.qualifications.models import Attempt, Qualification, QualificationTest
from tasks.qualifications.permissions import can_manage, is_steward
from tasks.questions import answers_from_post, render_fields


def _error_text(exc):
    """The message, plus the per-field problems a form or answer check listed."""
    details = exc.extra.get("errors") or list((exc.extra.get("fields") or {}).values())
    return " ".join([str(exc.message), *map(str, details)])


@login_required
def mine(request):
    """My qualifications: each one's rule in words, my numbers with progress, the next step."""
    membership = membership_active(user=request.user)
    rows, revocations = [], []
    if membership is not None:
        rows = selectors.explain_all(member=request.user, qualifications=selectors.qualifications_for_member(
            member=request.user, coop=membership.coop))
        revocations = list(selectors.revocations_of(member=request.user)[:20])
    work = selectors.work_by_qualification(member=request.user, qualification_ids=[
        row["qualification"].pk for row in rows]) if rows else {}
    for row in rows:
        row["work"] = work.get(row["qualification"].pk)
    return render(request, "qualifications/mine.html", {
        "membership": membership, "rows": rows, "revocations": revocations,
        "can_define": bool(_owners(request.user)),
    })


def detail(request, pk):
    qualification = selectors.qualification_get(pk=pk)
    context = {"qualification": qualification, "words": selectors.rule_words(qualification),
               "versions": qualification.versions.select_related("created_by").order_by("-number")}
    if request.user.is_authenticated:
        membership = membership_active(user=request.user, coop=qualification.coop)
        if membership is not None:
            context["me"] = selectors.explain(member=request.user, qualification=qualification)
        if can_manage(user=request.user, qualification=qualification):
            context["manager"] = True
            context["holders"] = qualification.grants.filter(revoked_at__isnull=True).count()
            if qualification.kind == Qualification.Kind.COMPUTED:
                context["version_form"] = VersionForm(initial={"rule": qualification.current_version.rule})
            else:
                context["grant_form"] = GrantForm()
    return render(request, "qualifications/detail.html", context)


def _owners(user):
    owners = []
    membership = membership_active(user=user)
    if membership is not None and is_steward(user, coop_id=membership.coop_id):
        owners.append((f"coop:{membership.coop_id}", _("%(coop)s (the coop's own)") % {"coop": membership.coop.name}))
    for org in organisations_of(user=user):
        owners.append((f"org:{org.pk}", org.name))
    return owners


def _owner_from(form, user):
    """(coop, organisation) chosen in a form, checked against what the user may act for."""
    value = form.cleaned_data["owner"]
    kind, _sep, pk = value.partition(":")
    if kind == "coop":
        membership = membership_active(user=user)
        return membership.coop, None
    organisation = get_object_or_404(Organisation, pk=pk, staff__user=user)
    coop = form.cleaned_data.get("coop")
    if coop is None:
        raise DomainError("coop_required", _("Choose the coop where the qualification is published."))
    return coop, organisation


@login_required
def manage(request):
    owners = _owners(request.user)
    if not owners:
        raise Http404
    form = QualificationForm(request.POST or None)
    form.set_owners(owners)
    if request.method == "POST" and form.is_valid():
        try:
            coop, organisation = _owner_from(form, request.user)
            qualification = services.qualification_create(
                actor=request.user, coop=coop, organisation=organisation, name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"], description=form.cleaned_data["description"],
                rule=form.cleaned_data["rule"] if form.cleaned_data["kind"] == "computed" else None,
                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Published. Members can read its rule and where they stand."))
            return redirect("qualifications:detail", pk=qualification.pk)
    managed = [q for q in Qualification.objects.select_related("coop", "organisation", "current_version")
               .order_by("coop_id", "name") if can_manage(user=request.user, qualification=q)]
    return render(request, "qualifications/manage.html", {"form": form, "managed": managed})


@login_required
@require_POST
def version_publish(request, pk):
    qualification = selectors.qualification_get(pk=pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            version = services.qualification_version_publish(
                actor=request.user, qualification=qualification, rule=form.cleaned_data["rule"],
                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Version %(n)d is published; members are being re-evaluated.")
                             % {"n": version.number})
            return redirect("qualifications:detail", pk=pk)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    context = {"qualification": qualification, "words": selectors.rule_words(qualification), "manager": True,
               "versions": qualification.versions.order_by("-number"), "version_form": form}
    return render(request, "qualifications/detail.html", context)


def _member_from(text, qualification):
    text = (text or "").strip()
    if qualification.organisation_id is None:
        user = User.objects.filter(email__iexact=text).first()
        if user is None:
            raise DomainError("unknown_member", _("No member with this email."))
        return user

    candidates = User.objects.filter(active_q("memberships__"), memberships__coop_id=qualification.coop_id)
    return worker_from_pseudonym(organisation=qualification.organisation_id, pseudonym=text, candidates=candidates)


@login_required
@require_POST
def grant(request, pk):
    qualification = selectors.qualification_get(pk=pk)
    form = GrantForm(request.POST)
    action = request.POST.get("action", "grant")
    if form.is_valid():
        try:
            member = _member_from(form.cleaned_data["member"], qualification)
            service = services.qualification_revoke if action == "revoke" else services.qualification_grant
            service(actor=request.user, qualification=qualification, member=member,
                    reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Done. The member was told, with your reason."))
            return redirect("qualifications:detail", pk=pk)
    context = {"qualification": qualification, "words": selectors.rule_words(qualification), "manager": True,
               "versions": qualification.versions.order_by("-number"), "grant_form": form}
    return render(request, "qualifications/detail.html", context)


# --- paid tests ----------------------------------------------------------------------------

@login_required
def test_create(request):
    owners = _owners(request.user)
    if not owners:
        raise Http404
    form = TestForm(request.POST or None)
    form.set_owners(owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            coop, organisation = _owner_from(form, request.user)
            test = services.qualification_test_create(
                actor=request.user, coop=coop, organisation=organisation, name=data["name"],
                description=data["description"], instructions=data["instructions"], questions=data["questions"],
                answer_key=data["answer_key"], pass_mark=data["pass_mark"],
                time_limit_minutes=data["time_limit_minutes"], retry_hours=data["retry_hours"],
                estimated_minutes=data["estimated_minutes"], reward=data["reward"], reason=data["reason"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("The test is defined. Fund some attempts to open it."))
            return redirect("qualifications:test", pk=test.pk)
    return render(request, "qualifications/test_create.html", {"form": form})


def _test(pk):
    return get_object_or_404(QualificationTest.objects.select_related("qualification__coop",
                                                                      "qualification__organisation"), pk=pk)


def test_page(request, pk):
    test = _test(pk)
    context = {"test": test, "qualification": test.qualification}
    if request.user.is_authenticated:
        if membership_active(user=request.user, coop=test.qualification.coop):
            context["me"] = selectors.explain(member=request.user, qualification=test.qualification)
            context["attempts"] = selectors.attempts_of(member=request.user, test=test)
        if can_manage(user=request.user, qualification=test.qualification):
            context["manager"] = True
            context["fund_form"] = FundForm()
            context["rulebook"] = rulebook_in_force(coop=test.qualification.coop)
    return render(request, "qualifications/test.html", context)


@login_required
@require_POST
def test_fund(request, pk):
    test = _test(pk)
    form = FundForm(request.POST)
    if form.is_valid():
        try:
            services.qualification_test_fund(actor=request.user, test=test, attempts=form.cleaned_data["attempts"])
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Funded. The test is open while paid attempts are left."))
    else:
        messages.error(request, _("Give a number of attempts between 1 and 10,000."))
    return redirect("qualifications:test", pk=pk)


@login_required
@require_POST
def attempt_start(request, pk):
    test = _test(pk)
    try:
        attempt = services.attempt_start(member=request.user, test=test)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("qualifications:test", pk=pk)
    return redirect("qualifications:attempt", pk=attempt.pk)


@login_required
def attempt_page(request, pk):
    attempt = get_object_or_404(Attempt.objects.select_related("test__qualification"), pk=pk,
                                member=request.user)
    test = attempt.test
    values = {}
    if request.method == "POST" and attempt.status == Attempt.Status.STARTED:
        answers = answers_from_post(test.questions, request.POST)
        try:
            services.attempt_submit(member=request.user, attempt=attempt, answers=answers)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            values = answers
        else:
            return redirect("qualifications:attempt", pk=pk)
    attempt.refresh_from_db()
    fields = render_fields(test.questions, {}, values or (attempt.answers or {}))
    wrong = set(attempt.wrong or [])
    for field in fields:
        field["wrong"] = field["name"] in wrong
    return render(request, "qualifications/attempt.html", {
        "attempt": attempt, "test": test, "fields": fields, "qualification": test.qualification,
        "test_url": reverse("qualifications:test", args=[test.pk]),
    })


# --- project requirements (requesters) ----------------------------------------------------

@login_required
def project_requirements(request, pk):
    """A requester chooses the qualifications a project requires and sees how many members
    meet them before publishing."""
    project = get_object_or_404(Project.objects.select_related("coop", "organisation"), pk=pk)
    try:
        requester_staff_require(request.user, organisation_id=project.organisation_id)
    except DomainError:
        raise Http404
    available = selectors.qualifications_available_for(project)
    form = RequirementsForm(request.POST or None, choices=available,
                            initial={"qualifications": [q.pk for q in selectors.required_for(project)]})
    preview = None
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["qualifications"]
        if "preview" in request.POST:
            preview = selectors.project_eligible_count(project=project, qualifications=chosen)
        else:
            try:
                services.project_requirements_set(actor=request.user, project=project, qualifications=chosen)
            except DomainError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("Saved. Members see these requirements and where they stand."))
                return redirect("qualifications:project_requirements", pk=pk)
    rows = [{"qualification": q, "words": selectors.rule_words(q),
             "meeting": selectors.project_eligible_count(project=project, qualifications=[q])} for q in available]
    return render(request, "qualifications/project_requirements.html", {
        "project": project, "form": form, "rows": rows, "preview": preview,
        **selectors.project_requirements_context(project=project),
    })
