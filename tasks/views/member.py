"""Member pages: the task feed, a project, the work page, my work."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, F, OuterRef
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop.core import clock
from coop.core.errors import DomainError, NotFound
from coop.core.http import safe_next
from coop.core.money import parse_amount
from coop.federation.labels import reason_text, reasons_shown
from coop.federation.selectors import membership_active, rulebook_in_force, rulebook_numbered
from tasks import selectors, services
from tasks.access import project_for_member
from tasks.eligibility import MemberContext, country_blocked, country_reason, eligibility_of_page, projects_eligibility
from tasks.exposure import EXPOSURE_CODES, is_disturbing
from tasks.models import DATA_FLAGS, Assignment, ProjectWatch
from tasks.questions import answers_from_post, render_fields
from tasks.views.cards import Links, Tail, card_facts, card_head, feed_actions

FLAG_LABELS = dict(DATA_FLAGS)


def _membership_or_none(request):
    return membership_active(user=request.user)


def _project_for_member(request, pk):
    try:
        return project_for_member(user=request.user, project_id=pk)
    except NotFound:
        raise Http404


@login_required
def feed(request):
    now = timezone.now()
    # with the rulebook in force (at the coop clock's now, as rulebook_in_force), the open count
    # and the coop-wide watch: one query (issue 18)
    membership = selectors.member_for_feed(user=request.user, now=clock.now())
    if membership is None:
        return render(request, "tasks/feed.html", {"membership": None, "rows": []})
    filters = _feed_filters(request, membership.coop)
    page = filters["page"]
    offset = (page - 1) * FEED_PAGE
    rulebook = (rulebook_numbered(coop=membership.coop, number=membership.rulebook_number)
                if membership.rulebook_number is not None else rulebook_in_force(coop=membership.coop))
    # the member's record, read once for the whole feed
    ctx = MemberContext(request.user, membership=membership, open_count=membership.open_count, rulebook=rulebook)
    # issue 23: projects open only to members in some countries that exclude this member are not
    # cards; one line counts them, without naming them (one query, whatever their number)
    hidden = country_blocked(ctx=ctx, coop_id=membership.coop_id)
    # one row past the page says whether there is a next page, without a COUNT; the requester's
    # record and the member's watch come with each project (a join and an EXISTS, no query more)
    projects = list(selectors.projects_open_for_feed(
        coop=membership.coop, category=filters["category"], min_hourly=filters["min_hourly"],
        max_minutes=filters["max_minutes"], sort=filters["sort"]).exclude(pk__in=hidden)
        .annotate(record=F("organisation__scorecard__figures"),
                  watching=Exists(ProjectWatch.objects.filter(project=OuterRef("pk"), member=request.user)))
        [offset:offset + FEED_PAGE + 1])
    more, projects = len(projects) > FEED_PAGE, projects[:FEED_PAGE]
    rows = [{"project": p, "reasons": reasons, "record": p.record,
             "flags": [FLAG_LABELS.get(f, f) for f in p.data_flags], "watching": p.watching}
            for p, reasons in zip(projects, eligibility_of_page(ctx=ctx, projects=projects), strict=True)]
    links = Links()  # each link reversed once a page, filled in per card (issue 18)
    csrf_token = get_token(request)  # one token for the whole page, as the template's context gives
    tail = Tail(links=links, csrf_token=csrf_token)  # the member's part: words made once a page
    for row in rows:  # a card's head is drawn once for every member (tasks/views/cards.py)
        row["head"], row["actions"] = card_head(card_facts(row, now=now), links=links), feed_actions(row, links=links)
        row["tail"] = tail.draw(row, row["actions"])

    return render(request, "tasks/feed.html", {
        "membership": membership, "rows": rows, "watching_coop": membership.watching_coop, "csrf_token": csrf_token,
        "open_count": ctx.open_count, "rulebook": rulebook, "now": now, "feed_url": links.feed,
        "country_hidden": len(hidden),
        "fair_share_hours": rulebook["fair_share_window_minutes"] // 60, "filters": filters,
        "page": page, "more_url": _feed_page_url(request, page + 1) if more else None,
        "previous_url": _feed_page_url(request, page - 1) if page > 1 else None,
    })


FEED_DURATIONS = (5, 15, 30, 60)
FEED_PAGE = 50  # project cards a page (issue 18: 200 cards took most of the feed's time to draw)
FEED_PAGES = 1000  # a page number past this is read as the last one allowed, never an error


def _feed_page_url(request, page):
    """The feed's address for `page`, keeping the member's filters and sort."""
    query = request.GET.copy()
    if page > 1:
        query["page"] = str(page)
    else:
        query.pop("page", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _feed_filters(request, coop):
    """The feed's filters from the query string (a GET form: works without JavaScript); a value
    that does not parse is ignored, never an error."""
    categories = selectors.feed_categories(coop=coop)
    category = request.GET.get("category", "")
    try:
        min_hourly = parse_amount(request.GET.get("min_pay", "")) if request.GET.get("min_pay") else None
    except DomainError:
        min_hourly = None
    try:
        max_minutes = int(request.GET.get("max_minutes", ""))
    except ValueError:
        max_minutes = None
    sort = request.GET.get("sort", "newest")
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), FEED_PAGES)
    except ValueError:
        page = 1
    return {
        "category": category if category in categories else "", "categories": categories,
        "min_hourly": min_hourly, "min_pay": request.GET.get("min_pay", "") if min_hourly else "",
        "max_minutes": max_minutes if max_minutes in FEED_DURATIONS else None, "durations": FEED_DURATIONS,
        "sort": sort if sort in selectors.FEED_SORTS else "newest", "page": page,
        "active": bool(category in categories and category or min_hourly or max_minutes in FEED_DURATIONS),
    }


@login_required
def project_detail(request, pk):
    project, membership = _project_for_member(request, pk)
    reasons = projects_eligibility(member=request.user, projects=[project])[project.pk]
    if project.legal_reason and country_reason(reasons):  # issue 23: not shown where the law excludes the member
        raise Http404
    sample = project.tasks.order_by("pk").first()
    return render(request, "tasks/project_detail.html", {
        "project": project, "reasons": reasons, "flags": [FLAG_LABELS.get(f, f) for f in project.data_flags],
        "remaining": selectors.open_slots_of(project.pk),
        "watching": ProjectWatch.objects.filter(member=request.user, project=project).exists(),
        "consent_needed": any(r["code"] == "data_consent" for r in reasons),
        "fields": render_fields(project.question_form, sample.data if sample else {}),
        "blur": is_disturbing(project.data_flags),
        "time": selectors.project_time_spent(project=project),
        "fair_share_open": project.fair_share_until and project.fair_share_until > timezone.now(),
    })


@login_required
@require_POST
def project_claim(request, pk):
    project, _membership = _project_for_member(request, pk)
    try:
        assignment = services.assignment_claim(member=request.user, project=project)
    except DomainError as exc:
        reasons = exc.extra.get("reasons", []) if isinstance(exc.extra, dict) else []
        exposure = [r for r in reasons if r.get("code") in EXPOSURE_CODES]
        if exposure:  # issue 23: a pause screen that says why, not an error
            return render(request, "tasks/exposure_pause.html", {"project": project, "reasons": exposure,
                                                                 "support_contact": project.coop.support_contact})
        messages.error(request, exc.message)
        return redirect("tasks:project", pk=project.pk)
    return redirect("tasks:assignment", pk=assignment.pk)


@login_required
@require_POST
def project_consent(request, pk):
    project, _membership = _project_for_member(request, pk)
    try:
        services.data_consent_give(member=request.user, project=project)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your consent is recorded for this project."))
    return redirect("tasks:project", pk=project.pk)


@login_required
@require_POST
def project_watch(request, pk=None):
    membership = _membership_or_none(request)
    if membership is None:
        raise Http404
    project = None
    if pk is not None:
        project, membership = _project_for_member(request, pk)
    if request.POST.get("stop"):
        services.project_unwatch(member=request.user, coop=membership.coop, project=project)
        messages.success(request, _("You will not be told any more."))
    else:
        services.project_watch(member=request.user, coop=membership.coop, project=project)
        messages.success(request, _("We will tell you on your dashboard (and by email if you chose so)."))
    return redirect(safe_next(request, "tasks:feed"))


def _own_assignment(request, pk):
    assignment = (Assignment.objects.select_related("project", "project__organisation", "task")
                  .filter(pk=pk, member=request.user).first())
    if assignment is None:
        raise Http404
    return assignment


@login_required
@csp_replace({"frame-src": [SELF, "https:"]})  # a task shown in a frame (selectors.work_frame_for)
def assignment_work(request, pk):
    """The work page: the question form with a server draft (and a browser draft in JS), or
    the frame a higher package shows the task in (the MTurk-compatible API's questions)."""
    assignment = _own_assignment(request, pk)
    project = assignment.project
    values = assignment.answers if assignment.status == "submitted" else (assignment.draft or {})
    if request.method == "POST":
        action = request.POST.get("action", "submit")
        answers = answers_from_post(project.question_form, request.POST)
        try:
            if action == "return":
                services.assignment_return(member=request.user, assignment=assignment)
                messages.success(request, _("The task went back to the pool. No penalty."))
                return redirect("tasks:feed")
            if action == "save":
                services.assignment_draft_save(member=request.user, assignment=assignment, draft=answers)
                messages.success(request, _("Draft saved."))
                return redirect("tasks:assignment", pk=assignment.pk)
            services.assignment_submit(member=request.user, assignment=assignment, answers=answers)
        except DomainError as exc:
            messages.error(request, exc.message)
            errors = exc.extra.get("fields", {}) if isinstance(exc.extra, dict) else {}
            return render(request, "tasks/assignment_work.html",
                          _work_context(assignment, answers, errors, request), status=400)
        messages.success(request, _("Submitted. You will see the review in “My work”."))
        return redirect("tasks:mine")
    return render(request, "tasks/assignment_work.html", _work_context(assignment, values, {}, request))


def _work_context(assignment, values, errors, request):
    project = assignment.project
    fields = render_fields(project.question_form, assignment.task.data, values)
    for field in fields:
        field["error"] = errors.get(field["name"], "")
    rulebook = rulebook_in_force(coop=project.coop_id)
    return {
        "assignment": assignment, "project": project, "fields": fields, "preview": False,
        "blur": is_disturbing(project.data_flags),
        "editable": assignment.status in Assignment.OPEN_STATUSES,
        "reason_text": reason_text(rulebook["rejection_reasons"], assignment.rejection_reason),
        "draft_key": f"atelier-draft-{assignment.pk}",
        "frame": selectors.work_frame_for(assignment=assignment, request=request),
    }


@login_required
@require_POST
def assignment_draft(request, pk):
    """Autosave from the work page's script (the form works without it)."""
    assignment = _own_assignment(request, pk)
    answers = answers_from_post(assignment.project.question_form, request.POST)
    try:
        services.assignment_draft_save(member=request.user, assignment=assignment, draft=answers)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"saved": True})


@login_required
def my_work(request):
    assignments = list(selectors.assignments_of_member(member=request.user).exclude(
        status__in=[Assignment.Status.RETURNED, Assignment.Status.EXPIRED])[:200])
    coop_ids = {a.project.coop_id for a in assignments}
    reasons = {}
    for coop_id in coop_ids:
        reasons.update(reasons_shown(rulebook_in_force(coop=coop_id)["rejection_reasons"]))
    held = sum(a.project.reward for a in assignments if a.status in selectors.HELD_FOR_MEMBER)
    paid = sum(a.project.reward for a in assignments if a.status in Assignment.PAID_STATUSES)
    return render(request, "tasks/my_work.html", {
        "assignments": assignments, "reasons": reasons, "held": held, "paid": paid, "now": timezone.now(),
    })
