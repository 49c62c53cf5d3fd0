"""Quality pages: the requester's aggregation of a project (run on demand with a progress
bar, results per task, members' agreement by pseudonym, CSV and JSON export), the member's
own agreement per project, and the stewards' view of their coop's members."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.pseudonyms import worker_pseudonym
from coop.core.csv import csv_response
from coop.core.errors import DomainError
from coop.federation.access import steward_required
from tasks.access import staff_of_project
from tasks.models import Assignment, Project
from tasks.quality import selectors, services
from tasks.quality.models import AggregationRun
from tasks.questions import answers_from_post, render_fields


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


def _run(project, run_id):
    run = AggregationRun.objects.filter(pk=run_id, project=project, status=AggregationRun.Status.DONE).first()
    if run is None:
        raise Http404
    return run


@login_required
def aggregation(request, pk):
    project = _project(request, pk)
    runs = selectors.runs_of(project=project)
    latest = selectors.run_latest_done(project=project)
    active = next((r for r in runs if r.status in (AggregationRun.Status.PENDING, AggregationRun.Status.RUNNING)),
                  None)
    results = selectors.run_results(run=latest)[:200] if latest else []
    fields = [f["name"] for f in project.question_form if isinstance(f, dict) and f.get("name")]
    members = [(worker_pseudonym(user=m.member_id, organisation=project.organisation_id), m)
               for m in selectors.run_members(run=latest)] if latest else []
    rows = [(task, [results_by.get(name) for name in fields]) for task, results_by in results]
    return render(request, "quality/aggregation.html", {
        "project": project, "runs": runs, "latest": latest, "active": active, "rows": rows, "fields": fields,
        "members": members, "methods": AggregationRun.Method.choices})


@login_required
@require_POST
def aggregation_start(request, pk):
    project = _project(request, pk)
    try:
        services.aggregation_request(actor=request.user, project=project,
                                     method=request.POST.get("method") or AggregationRun.Method.DAWID_SKENE)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Aggregation started: this page shows its progress."))
    return redirect("quality:aggregation", pk=project.pk)


def _export_rows(project, run):
    fields = [f["name"] for f in project.question_form if isinstance(f, dict) and f.get("name")]
    for task, by_field in selectors.run_results(run=run):
        for name in fields:
            result = by_field.get(name)
            if result is not None:
                yield task, name, result


@login_required
def aggregation_csv(request, pk, run_id):
    project = _project(request, pk)
    run = _run(project, run_id)
    header = ["task", "line", "field", "answer", "confidence", "agreement", "answers", "method"]
    rows = ([task.pk, task.line, name, r.answer if not isinstance(r.answer, list | dict) else json.dumps(r.answer),
             None if r.confidence is None else round(r.confidence, 4), round(r.agreement, 4), r.answers, run.method]
            for task, name, r in _export_rows(project, run))
    return csv_response(f"aggregation-{project.pk}-{run.pk}.csv", header, rows)


@login_required
def aggregation_json(request, pk, run_id):
    project = _project(request, pk)
    run = _run(project, run_id)
    tasks = {}
    for task, name, r in _export_rows(project, run):
        entry = tasks.setdefault(task.pk, {"task": task.pk, "line": task.line, "fields": {}})
        entry["fields"][name] = {"answer": r.answer, "confidence": r.confidence, "agreement": r.agreement,
                                 "answers": r.answers}
    body = {"project": project.pk, "run": run.pk, "method": run.method,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "tasks": list(tasks.values())}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="aggregation-{project.pk}-{run.pk}.json"'
    return response


@login_required
def my_agreement(request):
    """The member's own quality figures: agreement with others and gold accuracy per project,
    and each gold task they answered with its correct answer and explanation (training)."""
    return render(request, "quality/mine.html", {
        "rows": selectors.agreements_of_member(member=request.user),
        "gold_accuracy": selectors.gold_accuracy_by_project(member=request.user),
        "gold_results": selectors.gold_results_of_member(member=request.user)[:50]})


@steward_required
def steward_agreement(request, stewardship):
    return render(request, "quality/steward.html", {
        "coop": stewardship.coop, "rows": selectors.agreements_of_coop(coop=stewardship.coop)})


# --- gold tasks ----------------------------------------------------------------------------------

def _gold_errors(exc):
    fields = exc.extra.get("fields") or {}
    return [f"{path}: {message}" for path, message in fields.items()] or [str(exc.message)]


@login_required
def gold(request, pk):
    """The project's gold tasks; pick a task (`?task=`), give its expected answer with the same
    fields the member sees, and an explanation."""
    project = _project(request, pk)
    task, errors, values, explanation = None, [], {}, ""
    wanted = request.POST.get("task") or request.GET.get("task")
    if wanted and str(wanted).isdigit():
        task = project.tasks.filter(pk=int(wanted)).first()
    if task is not None and hasattr(task, "gold"):
        values, explanation = task.gold.expected, task.gold.explanation
    if request.method == "POST" and task is not None:
        values = answers_from_post(project.question_form, request.POST)
        values = {name: value for name, value in values.items() if value not in ("", [], None)}
        explanation = request.POST.get("explanation", "")
        try:
            if request.POST.get("remove"):
                services.gold_remove(actor=request.user, task=task)
                messages.success(request, _("The task is no longer gold."))
            else:
                services.gold_set(actor=request.user, task=task, expected=values, explanation=explanation)
                messages.success(request, _("Gold task saved."))
        except DomainError as exc:
            errors = _gold_errors(exc)
        else:
            return redirect("quality:gold", pk=project.pk)
    return render(request, "quality/gold.html", {
        "project": project, "golds": selectors.gold_of_project(project=project), "task": task,
        "tasks": list(project.tasks.order_by("pk").values_list("pk", "line")[:500]),
        "fields": render_fields(project.question_form, task.data, values) if task else [],
        "explanation": explanation, "errors": errors,
        "editable": True,  # the expected answer is typed in the member's own fields (disabled elsewhere)
        "blur": False}, status=400 if errors else 200)


# --- review assistance ---------------------------------------------------------------------------

SORTS = {"agreement": lambda r: (r["agreement"] is None, r["agreement"] or 0),
         "-agreement": lambda r: (r["agreement"] is None, -(r["agreement"] or 0)),
         "gold": lambda r: (r["gold"] is None, r["gold"] or 0),
         "-gold": lambda r: (r["gold"] is None, -(r["gold"] or 0))}


def _number(value, default=None):
    try:
        return float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return default


@login_required
def review_assist(request, pk):
    """Submitted work with each answer's agreement with the latest aggregate and its member's
    gold accuracy in this project: sorted and filtered by them, and "approve all with agreement
    at least X" (how many first, then confirm)."""
    project = _project(request, pk)
    submitted = list(Assignment.objects.filter(project=project, status=Assignment.Status.SUBMITTED)
                     .select_related("task").order_by("pk")[:2000])
    run = selectors.run_latest_done(project=project)
    agreement = selectors.agreement_by_assignment(run=run, assignments=submitted)
    gold, _counts = selectors.gold_accuracy_of(member_ids=list({a.member_id for a in submitted}),
                                               project_id=project.pk)
    rows = [{"assignment": a, "worker": worker_pseudonym(user=a.member_id, organisation=project.organisation_id),
             "agreement": agreement.get(a.pk),
             "gold": None if gold.get(a.member_id) is None else float(gold[a.member_id])} for a in submitted]
    min_agreement, min_gold = _number(request.GET.get("min_agreement")), _number(request.GET.get("min_gold"))
    if min_agreement is not None:
        rows = [r for r in rows if r["agreement"] is not None and r["agreement"] >= min_agreement]
    if min_gold is not None:
        rows = [r for r in rows if r["gold"] is not None and r["gold"] >= min_gold]
    sort = request.GET.get("sort", "-agreement")
    rows.sort(key=SORTS.get(sort, SORTS["-agreement"]))
    confirm, threshold = None, _number(request.POST.get("threshold"))
    if request.method == "POST" and request.POST.get("confirm") and request.POST.getlist("ids"):
        try:
            done = services.approve_by_agreement(actor=request.user, project=project, ids=request.POST.getlist("ids"))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, ngettext("%(n)d submission approved.", "%(n)d submissions approved.", done)
                             % {"n": done})
        return redirect("quality:review", pk=project.pk)
    if request.method == "POST" and threshold is not None:
        confirm = {"threshold": threshold,
                   "items": selectors.approvable_by_agreement(project=project, threshold=threshold)}
    return render(request, "quality/review.html", {
        "project": project, "rows": rows, "run": run, "sort": sort, "confirm": confirm,
        "min_agreement": request.GET.get("min_agreement", ""), "min_gold": request.GET.get("min_gold", "")})
