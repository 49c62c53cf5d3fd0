"""The member's side of MTurk questions: the HTML question's frame and `externalSubmit`.

The frame serves the requester's HTML under `Content-Security-Policy: sandbox allow-forms
allow-scripts`: it runs in an opaque origin, so its scripts can neither read Atelier's cookies
nor call Atelier as the member; only the member who holds the assignment can open it.
`externalSubmit` is where the page's form posts (`turkSubmitTo` + `/mturk/externalSubmit`, as
on MTurk). A sandboxed frame sends no cookies, so it is authorised by its `assignmentId`, which
names the assignment and cannot be guessed (tasks/mturk/ids.py); it submits through
`assignment_submit` as the member who holds the assignment, who must still be its holder."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from coop.core.errors import DomainError
from tasks import services
from tasks.models import Assignment
from tasks.mturk import ids
from tasks.mturk.models import Hit
from tasks.mturk.questions import ANSWER_FIELD, frame_answer, question_parse

FRAME_CSP = ("sandbox allow-forms allow-scripts; default-src * data: blob: 'unsafe-inline' 'unsafe-eval'; "
             "frame-ancestors 'self'")
MAX_FIELDS = 200


@login_required
@require_GET
@xframe_options_sameorigin
def frame(request, pk):
    """The HTML question of the member's own assignment (anything else: 404)."""
    assignment = Assignment.objects.filter(pk=pk, member=request.user).first()
    hit = Hit.objects.filter(task_id=assignment.task_id, kind=Hit.Kind.HTML).first() if assignment else None
    if hit is None:
        raise Http404
    response = HttpResponse(_html(hit), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = FRAME_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _html(hit):
    return question_parse(hit.question).html


@csrf_exempt
@require_POST
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})  # its answer shows in the member's frame on Atelier's page
def external_submit(request):
    """Store what the question's form posted as the assignment's answer, and submit it."""
    code = request.POST.get("assignmentId", "")
    pk = ids.assignment_pk(code)
    assignment = Assignment.objects.select_related("project").filter(pk=pk).first() if pk else None
    if assignment is None or not Hit.objects.filter(task_id=assignment.task_id).exclude(kind=Hit.Kind.FORM).exists():
        return render(request, "mturk/submitted.html", {"error": _("This task is not known here.")}, status=404)
    fields = [[name, value] for name in request.POST if name != "assignmentId"
              for value in request.POST.getlist(name)][:MAX_FIELDS]
    if not fields:
        fields = [["submitted", "true"]]
    try:
        services.assignment_submit(member=assignment.member, assignment=assignment,
                                   answers={ANSWER_FIELD: frame_answer(fields)})
    except DomainError as exc:
        return render(request, "mturk/submitted.html", {"error": exc.message}, status=409)
    return render(request, "mturk/submitted.html", {"error": ""})
