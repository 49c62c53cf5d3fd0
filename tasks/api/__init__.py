"""The requester API of the marketplace (DRF). Authentication: a session or an API key
(`Authorization: Bearer atl_…`); the organisation is the key's (or, with a session, the
`organisation` given, or the user's only one). Every POST accepts an `Idempotency-Key`
header (the ledger's mechanism: same key and body -> the first response again; same key,
other body -> 409). Workers appear only under their pseudonym for the organisation."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.pseudonyms import worker_pseudonym
from accounts.selectors import organisation_for_request
from coop.core.api import ERRORS, IDEMPOTENCY, CursorPagination, validated
from coop.core.errors import NotFound
from coop.core.idempotency import idempotent
from coop.federation.access import Scope
from coop.federation.models import Coop
from tasks import services
from tasks.models import DATA_FLAG_CODES, Assignment, Project
from tasks.questions import SHOW_KINDS, TYPES
from tasks.selectors import open_slots_remaining
from tasks.services.publishing import MAX_TASKS_PER_CALL
from tasks.transparency import LEGAL_REASON_CODES, PURPOSE_CODES

ORGANISATION = OpenApiParameter("organisation", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                description="With a session and several organisations: which one.")


def _organisation(request):
    return organisation_for_request(request=request, organisation_id=request.query_params.get("organisation")
                                    or (request.data.get("organisation") if hasattr(request.data, "get") else None))


def _project(request, pk):
    organisation = _organisation(request)
    project = Project.objects.select_related("organisation", "coop").filter(pk=pk, organisation=organisation).first()
    if project is None:
        raise NotFound("unknown_project", "No such project for your organisation.")
    return project


def _scope(project_or_org):
    org_id = getattr(project_or_org, "organisation_id", None) or project_or_org.pk
    return f"org:{org_id}"


class QuestionFieldSerializer(serializers.Serializer):
    """One field of a question form, as checked by tasks/questions (docs/question-form.md)."""
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=list(TYPES))
    label = serializers.CharField()
    required = serializers.BooleanField(required=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    min = serializers.JSONField(required=False)
    max = serializers.JSONField(required=False)
    min_length = serializers.IntegerField(required=False)
    max_length = serializers.IntegerField(required=False)
    integer = serializers.BooleanField(required=False)
    help = serializers.CharField(required=False)
    show = serializers.DictField(child=serializers.CharField(), required=False)
    points = serializers.IntegerField(required=False, help_text="likert: points on the scale (2-11)")
    low_label = serializers.CharField(required=False)
    high_label = serializers.CharField(required=False)
    items = serializers.ChoiceField(choices=list(SHOW_KINDS), required=False,
                                    help_text="comparison: what the two items are")
    left = serializers.CharField(required=False, help_text="comparison: the first item's column")
    right = serializers.CharField(required=False, help_text="comparison: the second item's column")
    allow_tie = serializers.BooleanField(required=False)
    source = serializers.CharField(required=False, help_text="highlight: the column holding the text")
    classes = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text="highlight, bounding_boxes: the labels")
    audio = serializers.CharField(required=False, help_text="audio_transcription: the column of audio URLs")
    image = serializers.CharField(required=False, help_text="bounding_boxes: the column of image URLs")


class ProjectSerializer(serializers.ModelSerializer):
    coop = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    hourly_rate = serializers.IntegerField(read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    question_form = QuestionFieldSerializer(many=True)
    data_flags = serializers.ListField(child=serializers.ChoiceField(choices=DATA_FLAG_CODES))

    class Meta:
        model = Project
        fields = ["id", "coop", "organisation", "status", "title", "category", "instructions", "question_form",
                  "reward", "estimated_minutes", "hourly_rate", "assignments_per_task", "time_limit_minutes",
                  "auto_approval_hours", "data_flags", "end_client", "purpose", "purpose_text", "data_published",
                  "gold_rate_pct", "legal_reason", "legal_reason_text", "fee_coop", "fee_federation", "fee_juror",
                  "rulebook_version", "remaining", "created_at", "published_at", "cancelled_at",
                  # issue 23: the stewards' review of a country-restricted project ("", pending, approved,
                  # refused) and a refusal's reason
                  "review_state", "review_reason", "review_submitted_at", "reviewed_at"]
        read_only_fields = ["review_state", "review_reason", "review_submitted_at", "reviewed_at"]


class ProjectInputSerializer(serializers.Serializer):
    coop = serializers.SlugField(help_text="The coop's short name (e.g. tana).")
    title = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=60)
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    question_form = serializers.JSONField(help_text="A list of question fields (see docs/question-form.md).")
    reward = serializers.IntegerField(help_text="Minor units of the federation's currency.")
    estimated_minutes = serializers.IntegerField()
    assignments_per_task = serializers.IntegerField(required=False, default=1)
    time_limit_minutes = serializers.IntegerField(required=False, default=60)
    auto_approval_hours = serializers.IntegerField(required=False)
    data_flags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    gold_rate_pct = serializers.IntegerField(
        required=False, default=0, help_text="Percent of each member's tasks that are gold tasks, from 0 to the "
        "coop's bound (its rulebook's gold_rate_max_pct); out of bound: 400 invalid_project, "
        "extra.bounds.gold_rate_pct = [0, bound].")
    # issue 23: who the data is for and why (docs/transparency.md); a coop may require them
    end_client = serializers.CharField(required=False, allow_blank=True, default="", max_length=200,
                                       help_text="Who the data is for: a name, or the organisation itself.")
    purpose = serializers.ChoiceField(choices=PURPOSE_CODES, required=False, allow_blank=True, default="")
    purpose_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    data_published = serializers.BooleanField(required=False, allow_null=True, default=None)
    legal_reason = serializers.ChoiceField(choices=LEGAL_REASON_CODES, required=False, allow_blank=True, default="",
                                           help_text="Required with a country requirement: export_control, "
                                                     "data_residency or research_ethics.")
    legal_reason_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TasksInputSerializer(serializers.Serializer):
    tasks = serializers.ListField(child=serializers.DictField(), max_length=MAX_TASKS_PER_CALL,
                                  help_text=f"Up to {MAX_TASKS_PER_CALL} task data objects.")


class TasksAddedSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    added = serializers.IntegerField()
    first_task = serializers.IntegerField()
    last_task = serializers.IntegerField()


class AssignmentSerializer(serializers.ModelSerializer):
    worker = serializers.SerializerMethodField()
    task_data = serializers.JSONField(source="task.data")

    class Meta:
        model = Assignment
        fields = ["id", "project", "task", "task_data", "worker", "status", "claimed_at", "submitted_at",
                  "time_spent_seconds", "answers", "reviewed_at", "auto_approved", "revision_comment",
                  "rejection_reason", "rejection_explanation", "appeal_deadline"]

    def get_worker(self, obj) -> str:
        return worker_pseudonym(user=obj.member_id, organisation=obj.project.organisation_id)


class IdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="A code from the coop's published rejection reasons.")
    explanation = serializers.CharField(help_text="Shown to the member in full; at least 20 characters.")


class RevisionSerializer(serializers.Serializer):
    comment = serializers.CharField()


class BonusSerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    reason = serializers.CharField()


class BonusOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField(source="assignment_id")
    amount = serializers.IntegerField()


def _with_remaining(qs):
    return qs.annotate(remaining=open_slots_remaining())


def _project_out(project):
    return ProjectSerializer(_with_remaining(Project.objects.select_related("coop")).get(pk=project.pk)).data


class ProjectListApi(ListAPIView):
    required_scope = {"GET": Scope.READ, "POST": Scope.PROJECTS}

    serializer_class = ProjectSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        organisation = _organisation(self.request)
        return _with_remaining(Project.objects.filter(organisation=organisation).select_related("coop"))

    @extend_schema(operation_id="projects_list", parameters=[ORGANISATION], tags=["marketplace"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="projects_create", request=ProjectInputSerializer,
                   parameters=[IDEMPOTENCY, ORGANISATION], responses={201: ProjectSerializer, **ERRORS},
                   tags=["marketplace"])
    def post(self, request):
        organisation = _organisation(request)
        data = dict(validated(ProjectInputSerializer, request.data))
        coop = Coop.objects.filter(slug=data.pop("coop")).first()
        if coop is None:
            raise NotFound("unknown_coop", "No coop with this short name.")
        if data.get("auto_approval_hours") is None:
            data.pop("auto_approval_hours", None)

        def handler():
            project = services.project_create(actor=request.user, organisation=organisation, coop=coop, **data)
            return Response(_project_out(project), status=status.HTTP_201_CREATED)

        return idempotent(request=request, scope=_scope(organisation), handler=handler)


class ProjectDetailApi(APIView):
    required_scope = Scope.READ

    @extend_schema(operation_id="projects_retrieve", responses={200: ProjectSerializer, **ERRORS},
                   tags=["marketplace"])
    def get(self, request, pk):
        return Response(_project_out(_project(request, pk)))


class ProjectTasksApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="projects_tasks_add", request=TasksInputSerializer, parameters=[IDEMPOTENCY],
                   responses={201: TasksAddedSerializer, **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        project = _project(request, pk)
        data = validated(TasksInputSerializer, request.data)

        def handler():
            tasks = services.tasks_add(actor=request.user, project=project, rows=data["tasks"])
            return Response(TasksAddedSerializer({"project": project.pk, "added": len(tasks), "first_task": tasks[0].pk,
                                                  "last_task": tasks[-1].pk}).data, status=status.HTTP_201_CREATED)

        return idempotent(request=request, scope=_scope(project), handler=handler)


class ProjectActionApi(APIView):
    required_scope = Scope.PROJECTS

    SERVICES = {"publish": services.project_publish, "pause": services.project_pause,
                "resume": services.project_resume, "cancel": services.project_cancel}

    def _act(self, request, pk, name):
        project = _project(request, pk)

        def handler():
            done = self.SERVICES[name](actor=request.user, project=project)
            return Response(_project_out(done))

        return idempotent(request=request, scope=_scope(project), handler=handler)


def _action_schema(name, doc):
    return extend_schema(operation_id=f"projects_{name}", request=None, parameters=[IDEMPOTENCY], description=doc,
                         responses={200: ProjectSerializer, **ERRORS}, tags=["marketplace"])


class ProjectPublishApi(ProjectActionApi):
    @_action_schema("publish", "Fix the fees, create the slots and move the full cost into escrow.")
    def post(self, request, pk):
        return self._act(request, pk, "publish")


class ProjectPauseApi(ProjectActionApi):
    @_action_schema("pause", "Stop new claims (claimed work continues).")
    def post(self, request, pk):
        return self._act(request, pk, "pause")


class ProjectResumeApi(ProjectActionApi):
    @_action_schema("resume", "Open a paused project again.")
    def post(self, request, pk):
        return self._act(request, pk, "resume")


class ProjectCancelApi(ProjectActionApi):
    @_action_schema("cancel", "Cancel: unclaimed slots are refunded at once; claimed work is reviewed as usual.")
    def post(self, request, pk):
        return self._act(request, pk, "cancel")


class AssignmentListApi(ListAPIView):
    required_scope = Scope.READ

    serializer_class = AssignmentSerializer
    pagination_class = CursorPagination

    def get_queryset(self):
        project = _project(self.request, self.kwargs["pk"])
        qs = Assignment.objects.filter(project=project).select_related("task", "project")
        wanted = self.request.query_params.get("status")
        if wanted:
            qs = qs.filter(status=wanted)
        return qs

    @extend_schema(operation_id="projects_assignments_list", tags=["marketplace"], parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
                         enum=[c for c, _l in Assignment.Status.choices])])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _assignment(request, pk):
    organisation = _organisation(request)
    assignment = (Assignment.objects.select_related("project", "project__organisation", "task")
                  .filter(pk=pk, project__organisation=organisation).first())
    if assignment is None:
        raise NotFound("unknown_assignment", "No such assignment in your projects.")
    return assignment


def _assignment_out(pk):
    return AssignmentSerializer(Assignment.objects.select_related("task", "project").get(pk=pk)).data


class AssignmentApproveApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(operation_id="assignments_approve", request=None, parameters=[IDEMPOTENCY],
                   responses={200: AssignmentSerializer, **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        assignment = _assignment(request, pk)

        def handler():
            services.assignment_approve(actor=request.user, assignment=assignment)
            return Response(_assignment_out(assignment.pk))

        return idempotent(request=request, scope=_scope(assignment.project), handler=handler)


class AssignmentsApproveApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(operation_id="projects_assignments_approve", request=IdsSerializer, parameters=[IDEMPOTENCY],
                   responses={200: AssignmentSerializer(many=True), **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        project = _project(request, pk)
        data = validated(IdsSerializer, request.data)

        def handler():
            done = services.assignments_approve(actor=request.user, project=project, ids=data["ids"])
            qs = Assignment.objects.filter(pk__in=[a.pk for a in done]).select_related("task", "project").order_by("pk")
            return Response(AssignmentSerializer(qs, many=True).data)

        return idempotent(request=request, scope=_scope(project), handler=handler)


class AssignmentRejectApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(operation_id="assignments_reject", request=RejectSerializer, parameters=[IDEMPOTENCY],
                   responses={200: AssignmentSerializer, **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        assignment = _assignment(request, pk)
        data = validated(RejectSerializer, request.data)

        def handler():
            services.assignment_reject(actor=request.user, assignment=assignment, **data)
            return Response(_assignment_out(assignment.pk))

        return idempotent(request=request, scope=_scope(assignment.project), handler=handler)


class AssignmentRevisionApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(operation_id="assignments_request_revision", request=RevisionSerializer, parameters=[IDEMPOTENCY],
                   responses={200: AssignmentSerializer, **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        assignment = _assignment(request, pk)
        data = validated(RevisionSerializer, request.data)

        def handler():
            services.assignment_request_revision(actor=request.user, assignment=assignment, **data)
            return Response(_assignment_out(assignment.pk))

        return idempotent(request=request, scope=_scope(assignment.project), handler=handler)


class AssignmentBonusApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(operation_id="assignments_bonus", request=BonusSerializer, parameters=[IDEMPOTENCY],
                   responses={201: BonusOutSerializer, **ERRORS}, tags=["marketplace"])
    def post(self, request, pk):
        assignment = _assignment(request, pk)
        data = validated(BonusSerializer, request.data)

        def handler():
            bonus = services.assignment_bonus(actor=request.user, assignment=assignment, **data)
            return Response(BonusOutSerializer(bonus).data, status=status.HTTP_201_CREATED)

        return idempotent(request=request, scope=_scope(assignment.project), handler=handler)
