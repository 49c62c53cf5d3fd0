"""Requester pages: projects, the form builder, preview, CSV upload, publish, review."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.pseudonyms import worker_pseudonym
from accounts.selectors import organisation_terms_current, organisations_of
from coop.core.csv import csv_response
from coop.core.errors import DomainError
from coop.core.money import parse_amount
from coop.federation.labels import reason_text
from coop.federation.models import Coop
from coop.federation.selectors import rulebook_in_force
from tasks import selectors, services
from tasks.access import staff_of_project
from tasks.exposure import is_disturbing
from tasks.forms import BonusForm, CsvUploadForm, ProjectForm, RejectForm, RevisionForm
from tasks.models import Assignment, Project, TaskImport
from tasks.questions import answer_cell, form_columns, render_fields
from tasks.services.floor import floor_reward
from tasks.services.imports import csv_decode
from tasks.views import toolkit
from tasks.views.costs import cost_figures, form_cost, positive_int, project_cost_figures

PAGE = 50


def _organisation(request):
    mine = organisations_of(user=request.user)
    wanted = request.POST.get("org") or request.GET.get("org")
    if wanted:
        organisation = mine.filter(pk=wanted).first() if str(wanted).isdigit() else None
        if organisation is None:
            raise Http404
        return organisation
    return mine.first()


def _project(request, pk):
    project = Project.objects.select_related("organisation", "coop").filter(pk=pk).first()
    if project is None:
        raise Http404
    try:
        staff_of_project(user=request.user, project=project)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404
        raise
    return project


@login_required
def project_list(request):
    organisation = _organisation(request)
    if organisation is None:
        return redirect("accounts:requester_home")
    return render(request, "tasks/requester/project_list.html", {
        "organisation": organisation, "organisations": organisations_of(user=request.user),
        "projects": selectors.projects_of_organisation(organisation=organisation),
    })


@login_required
def review_queue(request):
    """Every project of the organisation with submissions waiting, oldest first."""
    organisation = _organisation(request)
    if organisation is None:
        return redirect("accounts:requester_home")
    projects = list(selectors.review_queue(organisation=organisation))
    for p in projects:  # the oldest waiting submission's auto-approval, the queue's deadline
        p.auto_approve_at = p.oldest + timedelta(hours=p.auto_approval_hours)
    return render(request, "tasks/requester/review_queue.html", {"organisation": organisation, "projects": projects})


def _form_fields(form):
    data = dict(form.cleaned_data)
    data["data_flags"] = list(data.get("data_flags") or [])
    return data


@login_required
def project_create(request):
    organisation = _organisation(request)
    if organisation is None:
        return redirect("accounts:requester_home")
    coops = Coop.objects.order_by("name")
    initial, preset = toolkit.project_initial(request)  # a template's form, or the example
    form = ProjectForm(request.POST or None, initial=initial)
    toolkit.gold_rate_help(form, coops)
    chosen = request.POST.get("coop")
    if request.method == "POST" and form.is_valid():
        coop = coops.filter(pk=chosen).first() if str(chosen).isdigit() else None
        if coop is None:
            form.add_error(None, _("Choose the coop that will do the work."))
        else:
            try:
                project = services.project_create(actor=request.user, organisation=organisation, coop=coop,
                                                  **_form_fields(form))
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Draft saved. Add tasks, check the preview, then publish."))
                return redirect("tasks:requester_project", pk=project.pk)
    coop = coops.filter(pk=chosen).first() if str(chosen).isdigit() else None
    return render(request, "tasks/requester/project_form.html", {
        "form": form, "organisation": organisation, "coops": coops, "chosen": chosen, "project": None,
        "preset": preset, "builder_text": toolkit.builder_text(),
        **form_cost(request, form, organisation=organisation, coop=coop, project=None),
    })


def _form_errors(form, exc):
    form.add_error(None, exc.message)
    for name, message in (exc.extra.get("fields") or {}).items():
        if name in form.fields:  # the question form's problems one by one, each with its field's place
            for text in [p["text"] for p in exc.extra.get(name) or []] or [message]:
                form.add_error(name, text)


@login_required
def project_edit(request, pk):
    project = _project(request, pk)
    if project.status != Project.Status.DRAFT:
        messages.error(request, _("A published project keeps its settings."))
        return redirect("tasks:requester_project", pk=project.pk)
    initial = {name: getattr(project, name) for name in services.publishing.EDITABLE}
    initial["question_form"] = toolkit.form_json(project.question_form)
    initial["data_published"] = {True: "yes", False: "no"}.get(project.data_published, "")
    form = ProjectForm(request.POST or None, initial=initial)
    toolkit.gold_rate_help(form, [project.coop])
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(actor=request.user, project=project, **_form_fields(form))
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("tasks:requester_project", pk=project.pk)
    return render(request, "tasks/requester/project_form.html", {
        "form": form, "organisation": project.organisation, "project": project, "builder_text": toolkit.builder_text(),
        **form_cost(request, form, organisation=project.organisation, coop=project.coop, project=project)})


@login_required
def project_detail(request, pk):
    project = _project(request, pk)
    rulebook = rulebook_in_force(coop=project.coop)
    counts = selectors.project_counts(project=project)
    slots = counts["tasks"] * project.assignments_per_task
    # the fees of the whole batch, split exactly (tasks/fees.py); fixed once published
    fees = project.fee if project.published_at else sum(
        services.fees_for(reward=project.reward, rulebook=rulebook, slots=slots).values()) if slots else 0
    floor_needed = None
    if project.floor_paused_at is not None:
        floor_needed = floor_reward(floor=rulebook["floor_hourly_rate"], median_seconds=project.floor_median_seconds)
    return render(request, "tasks/requester/project_detail.html", {
        "project": project, "counts": counts, "fees": fees, "total_cost": project.reward * slots + fees,
        "floor_needed": floor_needed,
        "floor": rulebook["floor_hourly_rate"], "time": selectors.project_time_spent(project=project),
        "imports": project.imports.all()[:5], "upload_form": CsvUploadForm(),
        "columns": list(form_columns(project.question_form)),
    })


@login_required
def project_preview(request, pk):
    """Exactly what a member sees on the work page, with the first task's data."""
    project = _project(request, pk)
    task = project.tasks.order_by("pk").first()
    data = task.data if task else {}
    return render(request, "tasks/assignment_work.html", {
        "project": project, "fields": render_fields(project.question_form, data), "preview": True,
        "editable": True, "assignment": None,
    })


@login_required
@require_POST
def project_upload(request, pk):
    project = _project(request, pk)
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file."))
        return redirect("tasks:requester_project", pk=project.pk)
    upload = form.cleaned_data["file"]
    try:
        content = csv_decode(upload.read())
        task_import = services.task_import_create(actor=request.user, project=project, content=content,
                                                  filename=upload.name)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tasks:requester_project", pk=project.pk)
    return redirect("tasks:requester_import", pk=task_import.pk)


@login_required
def import_status(request, pk):
    task_import = TaskImport.objects.select_related("project").filter(pk=pk).first()
    if task_import is None:
        raise Http404
    _project(request, task_import.project_id)
    if request.GET.get("format") == "json":
        return JsonResponse({"status": task_import.status, "percent": task_import.percent,
                             "processed_rows": task_import.processed_rows, "total_rows": task_import.total_rows,
                             "message": task_import.message, "bad_rows": len(task_import.errors or [])})
    return render(request, "tasks/requester/import_status.html", {"task_import": task_import,
                                                                    "project": task_import.project})


@login_required
def project_publish(request, pk):
    """Publishing moves money, so it asks first: the page shows the total cost, the fees (the same computation as
    `project_publish` fixes, tasks/fees.py), the balance before and after and the hourly rate members will see. Only
    a POST carrying the total it showed publishes; a POST without it comes back here, and one whose total no longer
    matches (tasks added since) shows the new figures instead of publishing (or submitting it for review)."""
    project = _project(request, pk)
    if project.status != Project.Status.DRAFT:
        messages.error(request, _("This project was already published."))
        return redirect("tasks:requester_project", pk=project.pk)
    cost = project_cost_figures(project)
    if request.method == "POST":
        confirmed = positive_int(request.POST.get("confirm_total"), 10**15)
        if confirmed is None:
            return redirect("tasks:requester_publish", pk=project.pk)
        try:  # the service publishes only at the confirmed total, checked under the project's lock
            project = services.project_publish(actor=request.user, project=project, expected_amount=confirmed)
        except DomainError as exc:
            messages.error(request, exc.message)
            cost = project_cost_figures(project)
        else:
            review = project.status == Project.Status.REVIEW  # issue 23: a country requirement waits for a steward
            messages.success(request, _("The money is in escrow. This project is open only to members in some "
                                        "countries: it opens once a steward of the coop has reviewed it.") if review
                             else _("Published: the money is in escrow and members can start."))
            return redirect("tasks:requester_project", pk=project.pk)
    terms_current = organisation_terms_current(organisation=project.organisation)
    return render(request, "tasks/requester/project_publish.html", {
        "project": project, "cost": cost, "terms_current": terms_current,
        "can_publish": bool(cost["slots"]) and terms_current and not cost["short"] and not cost["below_floor"],
    })


@login_required
@require_GET
def project_cost(request):
    """The draft form's live preview (static/js/project_cost.js): the cost of the batch with the
    figures typed so far, as the fragment the form shows."""
    organisation = _organisation(request)
    if organisation is None:
        raise Http404
    project = _project(request, request.GET["project"]) if str(request.GET.get("project", "")).isdigit() else None
    if project is not None and project.organisation_id != organisation.pk:
        raise Http404
    coop = project.coop if project else Coop.objects.filter(pk=positive_int(request.GET.get("coop"), 2**31)).first()
    cost, hint = cost_figures(organisation=organisation, coop=coop, reward=request.GET.get("reward"),
                       minutes=request.GET.get("estimated_minutes"), per_task=request.GET.get("assignments_per_task"),
                       tasks=request.GET.get("tasks"))
    return render(request, "tasks/requester/_cost.html", {"cost": cost, "cost_hint": hint})


@login_required
@require_POST
def project_action(request, pk, action):
    project = _project(request, pk)
    service = {"pause": services.project_pause,
               "resume": services.project_resume, "cancel": services.project_cancel}.get(action)
    if service is None:
        raise Http404
    try:
        service(actor=request.user, project=project)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, {"pause": _("Paused."), "resume": _("Open again."),
                                   "cancel": _("Cancelled: unclaimed tasks were refunded.")}[action])
    return redirect("tasks:requester_project", pk=project.pk)


@login_required
@require_POST
def project_floor_raise(request, pk):
    """The requester raises the reward of a project paused below the floor (money as typed: 1.00)."""
    project = _project(request, pk)
    try:
        reward = parse_amount(request.POST.get("reward", ""))
        services.project_floor_raise(actor=request.user, project=project, reward=reward)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The pay is raised, work already paid was topped up, and the project is open "
                                    "again."))
    return redirect("tasks:requester_project", pk=project.pk)


def _review_rows(project, assignments):
    return [{"a": a, "worker": worker_pseudonym(user=a.member_id, organisation=project.organisation_id)}
            for a in assignments]


@login_required
def review(request, pk):
    project = _project(request, pk)
    status = request.GET.get("status", "submitted")
    if status not in dict(Assignment.Status.choices) and status != "all":
        status = "submitted"
    qs = selectors.assignments_for_review(project=project, status=None if status == "all" else status)
    if request.method == "POST":
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()]
        try:
            done = services.assignments_approve(actor=request.user, project=project, ids=ids)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(n)s approved and paid.") % {"n": len(done)})
        return redirect(request.get_full_path())
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "tasks/requester/review.html", {
        "project": project, "page": page, "rows": _review_rows(project, page.object_list), "status": status,
        "statuses": Assignment.Status.choices, "fields": project.question_form,
    })


@login_required
def review_csv(request, pk):
    project = _project(request, pk)
    fields = [f["name"] for f in project.question_form]
    columns = sorted({k for t in project.tasks.values_list("data", flat=True)[:1000] for k in t})
    header = (["assignment", "task", "worker", "status", "submitted_at", "time_spent_seconds"]
              + [f"input.{c}" for c in columns] + [f"answer.{f}" for f in fields])
    qs = selectors.assignments_for_review(project=project).exclude(submitted_at__isnull=True).order_by("pk")
    rows = ([a.pk, a.task_id, worker_pseudonym(user=a.member_id, organisation=project.organisation_id), a.status,
             a.submitted_at.isoformat() if a.submitted_at else "", a.time_spent_seconds]
            + [a.task.data.get(c, "") for c in columns] + [answer_cell((a.answers or {}).get(f)) for f in fields]
            for a in qs.iterator(chunk_size=1000))
    return csv_response(f"project-{project.pk}-results.csv", header, rows)


def _review_assignment(request, pk):
    assignment = (Assignment.objects.select_related("project", "project__organisation", "project__coop", "task")
                  .filter(pk=pk).first())
    if assignment is None:
        raise Http404
    _project(request, assignment.project_id)
    return assignment


@login_required
def assignment_review(request, pk):
    assignment = _review_assignment(request, pk)
    project = assignment.project
    reasons = rulebook_in_force(coop=project.coop)["rejection_reasons"]
    reject_form = RejectForm(reasons=reasons)
    revision_form, bonus_form = RevisionForm(), BonusForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.assignment_approve(actor=request.user, assignment=assignment)
                messages.success(request, _("Approved: the member is paid."))
            elif action == "reject":
                reject_form = RejectForm(request.POST, reasons=reasons)
                services.assignment_reject(actor=request.user, assignment=assignment,
                                           reason=request.POST.get("reason", ""),
                                           explanation=request.POST.get("explanation", ""))
                messages.success(request, _("Rejected. The money stays in escrow until the appeal window closes."))
            elif action == "revise":
                revision_form = RevisionForm(request.POST)
                services.assignment_request_revision(actor=request.user, assignment=assignment,
                                                     comment=request.POST.get("comment", ""))
                messages.success(request, _("Sent back to the member for revision."))
            elif action == "bonus":
                bonus_form = BonusForm(request.POST)
                if not bonus_form.is_valid():
                    raise DomainError("invalid_amount", _("Enter a bonus amount and a reason."))
                services.assignment_bonus(actor=request.user, assignment=assignment,
                                          amount=bonus_form.cleaned_data["amount"],
                                          reason=bonus_form.cleaned_data["reason"])
                messages.success(request, _("Bonus paid."))
            else:
                raise Http404
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("tasks:requester_assignment", pk=assignment.pk)
    return render(request, "tasks/requester/assignment_review.html", {
        "assignment": assignment, "project": project,
        "next": selectors.assignment_next_for_review(project=project, after=assignment),
        "worker": worker_pseudonym(user=assignment.member_id, organisation=project.organisation_id),
        "fields": render_fields(project.question_form, assignment.task.data, assignment.answers or {}),
        "blur": is_disturbing(project.data_flags),  # as on the work page (docs/disturbing-content.md)
        "reject_form": reject_form, "revision_form": revision_form, "bonus_form": bonus_form,
        "reason_text": reason_text(reasons, assignment.rejection_reason),
    })
