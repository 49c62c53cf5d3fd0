"""The member's side of MTurk questions (the HTML question's frame and `externalSubmit`), and the
requester's page of defaults for its scripts (`/mturk/settings/`).

The frame serves the requester's HTML under `Content-Security-Policy: sandbox allow-forms
allow-scripts`: it runs in an opaque origin, so its scripts can neither read Atelier's cookies
nor call Atelier as the member; only the member who holds the assignment can open it.
`externalSubmit` is where the page's form posts (`turkSubmitTo` + `/mturk/externalSubmit`, as
on MTurk). A sandboxed frame sends no cookies, so it is authorised by its `assignmentId`, which
names the assignment and cannot be guessed (tasks/mturk/ids.py); it submits through
`assignment_submit` as the member who holds the assignment, who must still be its holder."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import organisations_of
from coop.core.errors import DomainError
from coop.federation.labels import reason_name, reason_text
from coop.federation.models import Coop
from coop.federation.rulebook import REJECTION_REASONS
from tasks import services
from tasks.models import Assignment
from tasks.mturk import ids
from tasks.mturk import services as mturk_services
from tasks.mturk.models import Hit, RequesterDefaults
from tasks.mturk.questions import ANSWER_FIELD, frame_answer, question_parse
from tasks.mturk.selectors import coops_for_defaults

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


# --- the organisation's defaults for its scripts ---------------------------------------------------

class DefaultsForm(forms.Form):
    coop = forms.ModelChoiceField(label=_l("Default coop"), required=False, queryset=Coop.objects.none(),
                                  empty_label=_l("none: each HIT names its coop (keyword coop:<short name>)"),
                                  help_text=_l("Where a HIT goes when its Keywords name no coop."))
    rejection_reason = forms.ChoiceField(
        label=_l("Default rejection reason"), required=False,
        help_text=_l("The published reason RejectAssignment gives when the feedback does not start with "
                     "[reason:<code>]. The feedback is always the written explanation."))

    def __init__(self, *args, coops, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coop"].queryset = coops
        self.fields["rejection_reason"].choices = [("", _l("Instructions not followed (the default)"))] + [
            (code, f"{reason_name(code)} — {reason_text(reasons, code)}") for code in reasons]


@login_required
def defaults(request):
    """/mturk/settings/: the organisation's default coop and rejection reason for its scripts."""
    mine = organisations_of(user=request.user)
    wanted = request.POST.get("org") or request.GET.get("org")
    organisation = (mine.filter(pk=wanted).first() if str(wanted).isdigit() else None) if wanted else mine.first()
    if organisation is None:
        raise Http404
    current = RequesterDefaults.objects.filter(organisation=organisation).select_related("coop").first()
    coops = coops_for_defaults(organisation=organisation)
    form = DefaultsForm(request.POST or None, coops=coops, reasons=REJECTION_REASONS, initial={
        "coop": current.coop if current else None, "rejection_reason": current.rejection_reason if current else ""})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "mturk/settings.html", {"form": form, "organisation": organisation}, status=400)
        try:
            mturk_services.defaults_set(actor=request.user, organisation=organisation, coop=form.cleaned_data["coop"],
                                  rejection_reason=form.cleaned_data["rejection_reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, "mturk/settings.html", {"form": form, "organisation": organisation}, status=400)
        messages.success(request, _("Saved: your scripts use these defaults from now on."))
        return redirect(reverse("mturk:settings") + f"?org={organisation.pk}")
    return render(request, "mturk/settings.html", {"form": form, "organisation": organisation})
