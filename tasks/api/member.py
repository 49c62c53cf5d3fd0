"""The member API: the worker's side of the marketplace (issue 18). `tasks.api` (the package) is the requester's.

Members who script their own work use it, and the batch-opening load test drives it: the feed
(with the page's filters), claim (`POST /api/projects/<id>/claim/`), the work
of one assignment, its draft, submit, return, and "my work"; the wallet is
`/api/ledger/wallet/`. By session only (`required_scope = None`: an organisation's API key
never acts as a member). Every rule is the services' own (eligibility, fair share, the open
cap, deadlines); each member is also held to the `member_work` rate (THROTTLE_RATES) on
every endpoint here and on claim. Errors are `{code, message, extra}` like the rest."""

import copy

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from accounts.throttles import BatchedThrottles, MemberWorkThrottle
from coop.core.db import instance_get
from coop.core.errors import Forbidden, NotFound
from coop.federation.access import membership_active_of
from tasks import selectors, services
from tasks.access import assignment_of_member
from tasks.eligibility import MemberContext, country_blocked, eligibility_with
from tasks.models import Assignment, Project

MEMBER_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, MemberWorkThrottle]
FEED_LIMIT = 200


class MemberApi(BatchedThrottles, APIView):
    """A member's endpoint: a session, and the member's own rate (every rate read and written in
    one cache round trip each: `BatchedThrottles`)."""

    required_scope = None  # a member's work: never by an organisation's API key
    member_scope = {"GET": "read", "POST": "work"}  # a member's own key (accounts.models.MemberApiKey)
    throttle_classes = MEMBER_THROTTLES


class ClaimedAssignmentSerializer(serializers.Serializer):
    """The slot a member just took (the member's own view: no pseudonym needed)."""

    id = serializers.IntegerField()
    project = serializers.IntegerField(source="project_id")
    task = serializers.IntegerField(source="task_id")
    status = serializers.CharField()
    deadline_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ClaimedAssignment"


class ProjectClaimApi(MemberApi):
    """A member (session) takes a free slot of an open project of their coop, if eligible
    (`project_eligibility`: membership, consent, the open cap, required qualifications...)."""

    @extend_schema(operation_id="projects_claim", request=None, responses={201: ClaimedAssignmentSerializer},
                   tags=["marketplace"])
    def post(self, request, pk):
        project = instance_get(Project, pk)
        if project is None:
            raise NotFound("unknown_project", _("No such project."))
        assignment = services.assignment_claim(member=request.user, project=project)
        return Response(ClaimedAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class FeedProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.pk")
    title = serializers.CharField(source="project.title")
    category = serializers.CharField(source="project.category")
    requester = serializers.CharField(source="project.organisation.name")
    status = serializers.CharField(source="project.status")
    reward = serializers.IntegerField(source="project.reward", help_text="per task, in minor units")
    hourly_rate = serializers.IntegerField(source="project.hourly", help_text="minor units per hour, expected")
    estimated_minutes = serializers.IntegerField(source="project.estimated_minutes")
    time_limit_minutes = serializers.IntegerField(source="project.time_limit_minutes")
    remaining = serializers.IntegerField(source="project.remaining", help_text="open slots")
    data_flags = serializers.ListField(child=serializers.CharField(), source="project.data_flags")
    fair_share_cap = serializers.IntegerField(source="project.fair_share_cap", allow_null=True)
    fair_share_until = serializers.DateTimeField(source="project.fair_share_until", allow_null=True)
    legal_reason = serializers.CharField(source="project.legal_reason",
                                         help_text="why it is open only in some countries: export_control, "
                                                   "data_residency, research_ethics; empty: it is not")
    legal_reason_text = serializers.CharField(source="project.legal_reason_text")
    reasons = ReasonSerializer(many=True, help_text="why the member may not claim now; empty: they may")


class WorkFeedSerializer(serializers.Serializer):
    coop = serializers.CharField()
    open_assignments = serializers.IntegerField()
    max_open_assignments = serializers.IntegerField()
    country_restricted_hidden = serializers.IntegerField(
        help_text="open projects not listed because they are open only to members in some countries, for a legal "
                  "reason (export control, data residency, research ethics), and the member's country is not one")
    projects = FeedProjectSerializer(many=True)

    class Meta:
        ref_name = "WorkFeed"


FEED_PARAMETERS = [
    OpenApiParameter("category", str, description="only this category"),
    OpenApiParameter("min_hourly", int, description="expected pay per hour, minor units, at least"),
    OpenApiParameter("max_minutes", int, description="estimated minutes per task, at most"),
    OpenApiParameter("sort", str, enum=list(selectors.FEED_SORTS), description="newest (default), pay, short, reward"),
]


def _int_param(request, name):
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise serializers.ValidationError({name: _("Give a whole number.")})
    if number < 0 or number > 10**9:
        raise serializers.ValidationError({name: _("Give a whole number from 0 to 1,000,000,000.")})
    return number


class WorkFeedApi(MemberApi):
    """The open and paused projects of the member's coop, with what remains and why the member
    may not claim each (empty reasons: they may). The same rules as the feed page; a fixed
    number of queries whatever the number of projects or tasks."""

    @extend_schema(operation_id="work_feed", parameters=FEED_PARAMETERS, responses={200: WorkFeedSerializer},
                   tags=["member"])
    def get(self, request):
        membership = membership_active_of(request.user)
        if membership is None:
            raise Forbidden("not_a_member", _("Only active members of a coop have a task feed."))
        sort = request.query_params.get("sort") or "newest"
        if sort not in selectors.FEED_SORTS:
            sorts = ", ".join(selectors.FEED_SORTS)
            raise serializers.ValidationError({"sort": _("One of: %(sorts)s.") % {"sorts": sorts}})
        ctx = MemberContext(request.user)
        hidden = country_blocked(ctx=ctx, coop_id=membership.coop_id)  # issue 23: counted, not named
        projects = list(selectors.projects_open_for_feed(
            coop=membership.coop, category=request.query_params.get("category") or None,
            min_hourly=_int_param(request, "min_hourly"), max_minutes=_int_param(request, "max_minutes"),
            sort=sort).exclude(pk__in=hidden)[:FEED_LIMIT])
        rows = [{"project": p, "reasons": eligibility_with(ctx=ctx, project=p)} for p in projects]
        rulebook = ctx.rulebook(membership.coop_id)
        return Response(WorkFeedSerializer({
            "coop": membership.coop.slug, "open_assignments": ctx.open_count,
            "max_open_assignments": rulebook["max_open_assignments"], "country_restricted_hidden": len(hidden),
            "projects": rows}).data)


class WorkAssignmentSerializer(serializers.ModelSerializer):
    """The answer of every work endpoint. Its fields are built from the model once per process,
    then copied (a ModelSerializer introspects the model at every instance: a third of a
    submission's answer, issue 21); what they are does not depend on the instance."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built
        return copy.deepcopy(built)

    status = serializers.CharField(help_text="claimed, submitted, revision_requested, approved, rejected, ...")
    project_title = serializers.CharField(source="project.title")
    instructions = serializers.CharField(source="project.instructions", help_text="Markdown")
    question_form = serializers.JSONField(source="project.question_form")
    task_data = serializers.JSONField(source="task.data")
    reward = serializers.IntegerField(source="project.reward")

    class Meta:
        model = Assignment
        fields = ["id", "project", "project_title", "task", "status", "reward", "claimed_at", "deadline_at",
                  "instructions", "question_form", "task_data", "draft", "draft_saved_at", "answers", "submitted_at",
                  "time_spent_seconds", "revision_comment", "rejection_reason", "rejection_explanation",
                  "appeal_deadline"]
        ref_name = "WorkAssignment"


class MyWorkSerializer(serializers.ModelSerializer):
    status = serializers.CharField()
    project_title = serializers.CharField(source="project.title")
    reward = serializers.IntegerField(source="project.reward")

    class Meta:
        model = Assignment
        fields = ["id", "project", "project_title", "task", "status", "reward", "claimed_at", "deadline_at",
                  "submitted_at", "reviewed_at"]
        ref_name = "MyWork"


class MyWorkApi(BatchedThrottles, ListAPIView):
    """The member's assignments, newest claim first (returned and expired ones left out unless
    asked for with `status`)."""

    required_scope = None
    throttle_classes = MEMBER_THROTTLES
    serializer_class = MyWorkSerializer

    def get_queryset(self):
        status = self.request.query_params.get("status")
        if status and status not in Assignment.Status.values:
            raise serializers.ValidationError({"status": _("Not a status of an assignment.")})
        qs = selectors.assignments_of_member(member=self.request.user, statuses=[status] if status else None)
        if not status:
            qs = qs.exclude(status__in=[Assignment.Status.RETURNED, Assignment.Status.EXPIRED])
        return qs.order_by("-pk")

    @extend_schema(operation_id="work_mine", parameters=[
        OpenApiParameter("status", str, enum=list(Assignment.Status.values))], tags=["member"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _work_out(pk):
    assignment = instance_get(Assignment, pk, ("project", "task"))
    if assignment is None:
        raise Assignment.DoesNotExist(f"Assignment {pk} does not exist.")
    return WorkAssignmentSerializer(assignment).data


class WorkAssignmentApi(MemberApi):
    @extend_schema(operation_id="work_assignment", responses={200: WorkAssignmentSerializer}, tags=["member"])
    def get(self, request, pk):
        """One of the member's assignments: the task's data, the question form, the draft."""
        assignment_of_member(user=request.user, assignment_id=pk)
        return Response(_work_out(pk))


class DraftSerializer(serializers.Serializer):
    draft = serializers.JSONField(help_text="answers so far, by field name (checked only for shape)")


class AnswersSerializer(serializers.Serializer):
    answers = serializers.JSONField(help_text="answers by field name, checked against the question form")


class WorkDraftApi(MemberApi):
    @extend_schema(operation_id="work_draft", request=DraftSerializer, responses={200: WorkAssignmentSerializer},
                   tags=["member"])
    def post(self, request, pk):
        """Keep unfinished answers on the server."""
        assignment = assignment_of_member(user=request.user, assignment_id=pk)
        data = DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assignment_draft_save(member=request.user, assignment=assignment, draft=data.validated_data["draft"])
        return Response(_work_out(pk))


class WorkSubmitApi(MemberApi):
    @extend_schema(operation_id="work_submit", request=AnswersSerializer, responses={200: WorkAssignmentSerializer},
                   tags=["member"])
    def post(self, request, pk):
        """Submit the answers (within the time limit); they wait for the requester's review."""
        assignment = assignment_of_member(user=request.user, assignment_id=pk)
        data = AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assignment_submit(member=request.user, assignment=assignment, answers=data.validated_data["answers"])
        return Response(_work_out(pk))


class WorkReturnApi(MemberApi):
    @extend_schema(operation_id="work_return", request=None, responses={200: WorkAssignmentSerializer},
                   tags=["member"])
    def post(self, request, pk):
        """Give a claimed task back without penalty: its slot reopens."""
        assignment = assignment_of_member(user=request.user, assignment_id=pk)
        services.assignment_return(member=request.user, assignment=assignment)
        return Response(_work_out(pk))


