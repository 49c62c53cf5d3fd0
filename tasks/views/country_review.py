"""The stewards' review of country-restricted projects (issue 23; tasks/services/country_review.py):
the projects of the steward's coop awaiting review, each with its legal reason, what it requires
and what it holds, to approve or refuse with a written reason. The API does the same by session
(tasks/api/steward.py), through the same selector and services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop.core.errors import DomainError
from coop.federation.access import steward_required
from tasks import services
from tasks.models import Project
from tasks.qualifications.selectors import rule_words
from tasks.selectors import projects_awaiting_review, review_requirements
from tasks.transparency import legal_reason_label


def _awaiting(coop):
    return list(projects_awaiting_review(coop_ids=[coop.pk]))


def _rows(projects):
    return [{"project": p, "reason": legal_reason_label(p.legal_reason),
             "held": p.escrow_held - p.escrow_refunded,
             "requirements": [{"name": r.qualification.name, "words": rule_words(r.qualification)}
                              for r in review_requirements(p)]} for p in projects]


@steward_required
def steward_projects(request, stewardship):
    return render(request, "tasks/steward_projects.html", {
        "coop": stewardship.coop, "rows": _rows(_awaiting(stewardship.coop)), "typed": {},
    })


@steward_required
@require_POST
def steward_project_decide(request, stewardship, pk):
    """Approve (`action=approve`) or refuse (`action=refuse`, with `reason`): a project of
    another coop is a 404; a refusal without its reason comes back with the message and what
    was typed, nothing written."""
    project = get_object_or_404(Project, pk=pk, coop=stewardship.coop)
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    try:
        if action == "approve":
            services.project_review_approve(steward=request.user, project=project)
            messages.success(request, _("“%(p)s” is open to members.") % {"p": project.title})
        elif action == "refuse":
            services.project_review_refuse(steward=request.user, project=project, reason=reason)
            messages.success(request, _("“%(p)s” was refused; the requester has the reason and their money back.")
                             % {"p": project.title})
        else:
            raise DomainError("unknown_action", _("Unknown action."))
    except DomainError as exc:
        messages.error(request, exc.message)
        response = render(request, "tasks/steward_projects.html", {
            "coop": stewardship.coop, "rows": _rows(_awaiting(stewardship.coop)), "typed": {project.pk: reason}})
        response.status_code = exc.status
        return response
    return redirect("tasks:steward_projects")
