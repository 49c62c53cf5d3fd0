"""Pages for appeals, juries, the brake, flags and requester scorecards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from coop.core.errors import DomainError, NotFound
from coop.federation.labels import reason_text
from coop.federation.models import Membership
from coop.federation.selectors import rulebook_in_force, steward_membership
from tasks.access import project_for_member
from tasks.appeals import selectors, services
from tasks.appeals.forms import AnswerForm, FlagForm, ModerationForm, ReviewForm, StatementForm, VoteForm
from tasks.appeals.models import Appeal, JurySeat
from tasks.models import Assignment
from tasks.qualifications.models import QualificationRevocation
from tasks.quality.selectors import gold_record


@login_required
def mine(request):
    return render(request, "appeals/mine.html", {
        "appealable": selectors.rejections_appealable(user=request.user),
        "appeals": selectors.appeals_of(user=request.user),
        "seats": selectors.seats_of(user=request.user),
        "is_steward": steward_membership(user=request.user) is not None,
    })


def _file(request, *, template_ctx, **subject):
    form = StatementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_file(member=request.user, statement=form.cleaned_data["statement"], **subject)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your appeal was filed. A jury of members will be drawn."))
            return redirect("appeals:detail", appeal.pk)
    return render(request, "appeals/file.html", {"form": form, **template_ctx})


@login_required
def file_rejection(request, assignment_id):
    assignment = get_object_or_404(Assignment.objects.select_related("project"), pk=assignment_id,
                                   member=request.user)
    reasons = rulebook_in_force(coop=assignment.project.coop)["rejection_reasons"]
    return _file(request, assignment=assignment, template_ctx={
        "assignment": assignment, "reason_text": reason_text(reasons, assignment.rejection_reason)})


@login_required
def file_revocation(request, revocation_id):
    revocation = get_object_or_404(QualificationRevocation.objects.select_related("qualification"),
                                   pk=revocation_id, member=request.user)
    return _file(request, revocation=revocation, template_ctx={"revocation": revocation})


@login_required
def file_sanction(request):
    membership = get_object_or_404(Membership.objects.select_related("status_article"), user=request.user,
                                   status=Membership.Status.SUSPENDED)
    return _file(request, sanction=membership, template_ctx={"sanction": membership})


def _appeal_or_404(request, pk):
    appeal = get_object_or_404(Appeal.objects.select_related("assignment__project", "coop", "organisation"), pk=pk)
    role = selectors.appeal_readers(appeal=appeal, user=request.user)
    if role is None:
        raise Http404
    return appeal, role


def _case(appeal):
    """What the jury sees: the task, instructions, answer, reason, explanation, statement."""
    if appeal.kind != Appeal.Kind.REJECTION:
        return None
    assignment = appeal.assignment
    project = assignment.project
    reasons = rulebook_in_force(coop=project.coop, at=assignment.reviewed_at)["rejection_reasons"]
    fields = [{"label": f.get("label", f.get("name")), "answer": (assignment.answers or {}).get(f.get("name"))}
              for f in project.question_form]
    return {"project": project, "task_data": assignment.task.data, "fields": fields,
            "reason": reason_text(reasons, assignment.rejection_reason),
            "explanation": assignment.rejection_explanation,
            "gold": gold_record(assignment=assignment)}  # a gold task's record (issue 20), or None


@login_required
def detail(request, pk):
    appeal, role = _appeal_or_404(request, pk)
    seats = list(appeal.seats.all()) if not appeal.is_open else []
    answer_form = None
    if role == "requester" and appeal.answered_at is None and appeal.is_open:
        answer_form = AnswerForm(request.POST or None)
        if request.method == "POST" and answer_form.is_valid():
            try:
                services.appeal_answer(actor=request.user, appeal=appeal, text=answer_form.cleaned_data["text"])
            except DomainError as exc:
                answer_form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your answer was sent to the jury."))
                return redirect("appeals:detail", appeal.pk)
    my_seat = next((s for s in seats if s.juror_id == request.user.pk), None) if role == "juror" else None
    return render(request, "appeals/detail.html", {
        "appeal": appeal, "role": role, "case": _case(appeal), "seats": seats, "answer_form": answer_form,
        "voted": [s for s in seats if s.status == JurySeat.Status.VOTED],
        "outcome": selectors.appeal_outcome(appeal=appeal, role=role, seat=my_seat),
    })


@login_required
def draw_explained(request, pk):
    """"How was I chosen?": the draw in words for everyone who may read the appeal, with the
    figures anyone can use to re-run it."""
    appeal, role = _appeal_or_404(request, pk)
    rulebook = rulebook_in_force(coop=appeal.coop, at=appeal.filed_at)
    return render(request, "appeals/draw.html", {
        "appeal": appeal, "role": role, "candidates": len(appeal.candidates or []),
        "participation_days": rulebook["participation_window_days"],
        "response_hours": appeal.response_hours,
    })


@login_required
def jury(request, pk):
    appeal, role = _appeal_or_404(request, pk)
    seat = JurySeat.objects.filter(appeal=appeal, juror=request.user).first()
    if role != "juror" or seat is None:
        raise Http404
    # one step at a time: first accept or decline the seat, then vote
    can_vote = seat.status == JurySeat.Status.ACCEPTED
    form = VoteForm(request.POST or None) if can_vote else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.seat_accept(juror=request.user, appeal=appeal)
                messages.success(request, _("Thank you: you sit on this jury."))
                return redirect("appeals:jury", appeal.pk)
            if action == "decline":
                services.seat_decline(juror=request.user, appeal=appeal)
                messages.info(request, _("You declined; another member will be drawn."))
                return redirect("appeals:mine")
            if form is not None and form.is_valid():
                services.seat_vote(juror=request.user, appeal=appeal, vote=form.cleaned_data["vote"],
                                   reason=form.cleaned_data["reason"])
                messages.success(request, _("Your vote was recorded."))
                return redirect("appeals:jury", appeal.pk)
        except DomainError as exc:
            if form is not None:
                form.add_error(None, exc.message)
            else:
                messages.error(request, exc.message)
    return render(request, "appeals/jury.html", {"appeal": appeal, "seat": seat, "case": _case(appeal), "form": form})


def _steward_membership(request):
    membership = steward_membership(user=request.user)
    if membership is None:
        raise Http404
    return membership


@login_required
def steward(request):
    membership = _steward_membership(request)
    return render(request, "appeals/steward.html", {"coop": membership.coop,
                                                     **selectors.steward_queue(coop=membership.coop)})


@login_required
@require_POST
def steward_act(request):
    _steward_membership(request)
    action, pk = request.POST.get("action"), request.POST.get("id")
    try:
        pk = int(pk)
        if action == "confirm":
            services.frozen_confirm(steward=request.user, assignment=pk)
        elif action == "void":
            services.frozen_void(steward=request.user, assignment=pk)
        elif action == "lift":
            services.brake_lift(steward=request.user, project=pk)
        elif action in ("resume", "keep_paused"):
            services.flags_resolve(steward=request.user, project=pk, resume=action == "resume")
        elif action in ("publish", "hide"):
            form = ModerationForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.review_moderate(steward=request.user, review=pk, publish=action == "publish", reason=reason)
        else:
            raise DomainError("unknown_action", _("Unknown action."))
    except (TypeError, ValueError):
        messages.error(request, _("Unknown item."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("appeals:steward")


@login_required
def flag(request, project_id):
    project = _project_for_member(request, project_id)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_flag(member=request.user, project=project, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you. The stewards see every flag."))
            return redirect("appeals:mine")
    return render(request, "appeals/flag.html", {"form": form, "project": project})


def _project_for_member(request, project_id):
    """A published project of the member's coop; drafts and other coops' projects are 404."""
    try:
        return project_for_member(user=request.user, project_id=project_id)[0]
    except NotFound:
        raise Http404


@login_required
def review(request, project_id):
    project = _project_for_member(request, project_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_post(member=request.user, project=project, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you. A steward will publish your review."))
            return redirect("appeals:record", project.organisation.slug)
    return render(request, "appeals/review.html", {"form": form, "project": project})


def record(request, slug):
    """A requester's public record: figures from the ledger and the event log, and reviews."""
    organisation = get_object_or_404(Organisation, slug=slug)
    return render(request, "appeals/record.html", {
        "organisation": organisation, "card": selectors.scorecard_for(organisation=organisation),
        "reviews": selectors.reviews_published(organisation=organisation),
    })
