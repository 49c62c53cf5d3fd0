"""The qualifications API: published rules anyone signed in can read, where I stand, requesters
defining qualifications and choosing what a project requires, members taking paid tests.

A requester acts for its organisation (API key, or `?organisation=<id>` for session users
on several); a steward (session) defines the coop's own qualifications."""

from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey
from accounts.selectors import organisation_for_request
from coop.core.api import ERROR
from coop.core.errors import DomainError, NotFound
from coop.federation.access import Scope
from coop.federation.models import Coop
from coop.federation.selectors import membership_active
from tasks.models import Project
from tasks.qualifications import selectors, services
from tasks.qualifications.models import Attempt, Qualification, QualificationTest


class QualificationSerializer(serializers.ModelSerializer):
    coop = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organisation = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="current_version.number")
    rule = serializers.JSONField(source="current_version.rule")
    words = serializers.SerializerMethodField()
    test = serializers.SerializerMethodField()

    class Meta:
        model = Qualification
        fields = ["id", "name", "kind", "coop", "organisation", "description", "version", "rule", "words", "test"]

    def get_organisation(self, q) -> str | None:
        return q.organisation.name if q.organisation_id else None

    def get_words(self, q) -> str:
        return str(selectors.rule_words(q))

    def get_test(self, q) -> int | None:
        test = getattr(q, "test", None) if q.kind == Qualification.Kind.TEST else None
        return test.pk if test else None


class QualificationInputSerializer(serializers.Serializer):
    coop = serializers.SlugField()
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=["computed", "granted"])
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    rule = serializers.JSONField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    as_coop = serializers.BooleanField(required=False, default=False,
                                       help_text="A steward defines the coop's own qualification.")


class VersionInputSerializer(serializers.Serializer):
    rule = serializers.JSONField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ClauseSerializer(serializers.Serializer):
    """One clause of a rule and where the member stands on it."""

    key = serializers.CharField(help_text="the clause's metric (or `test`, `granted`)")
    text = serializers.CharField(help_text="the clause in words")
    value_text = serializers.CharField(help_text="the member's value in words")
    passed = serializers.BooleanField()
    missing = serializers.CharField(allow_blank=True, help_text="what is still needed (empty once passed)")
    progress = serializers.IntegerField(help_text="0 to 100")


class ExplanationSerializer(serializers.Serializer):
    """Where a member stands for one qualification (rendered from `selectors.explain`)."""

    qualification = serializers.IntegerField(source="qualification.pk")
    held = serializers.BooleanField()
    passed = serializers.BooleanField()
    words = serializers.CharField(help_text="the rule in words")
    next_step = serializers.CharField(allow_blank=True, default="")
    clauses = ClauseSerializer(many=True)


def _qualifications():
    return Qualification.objects.select_related("coop", "organisation", "current_version", "test")


class QualificationListApi(APIView):
    required_scope = {"GET": Scope.READ, "POST": Scope.PROJECTS}

    @extend_schema(operation_id="qualifications_list", responses={200: QualificationSerializer(many=True)},
                   parameters=[OpenApiParameter("coop", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True)],
                   summary="Every qualification published in a coop, with its rule")
    def get(self, request):
        coop = get_object_or_404(Coop, slug=request.query_params.get("coop", ""))
        rows = _qualifications().filter(coop=coop).order_by(F("organisation_id").asc(nulls_first=True), "name", "pk")
        return Response(QualificationSerializer(rows, many=True).data)

    @extend_schema(operation_id="qualifications_create", request=QualificationInputSerializer,
                   responses={201: QualificationSerializer, 400: ERROR, 403: ERROR},
                   summary="Define a qualification (a requester's, or the coop's own by a steward)")
    def post(self, request):
        data = QualificationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coop = get_object_or_404(Coop, slug=data.validated_data["coop"])
        organisation = None
        if isinstance(request.auth, ApiKey) or not data.validated_data["as_coop"]:
            organisation = organisation_for_request(request=request,
                                                    organisation_id=request.query_params.get("organisation"))
        q = services.qualification_create(
            actor=request.user, coop=coop, organisation=organisation, name=data.validated_data["name"],
            kind=data.validated_data["kind"], description=data.validated_data.get("description", ""),
            rule=data.validated_data.get("rule"), reason=data.validated_data.get("reason", ""))
        return Response(QualificationSerializer(_qualifications().get(pk=q.pk)).data, status=status.HTTP_201_CREATED)


class QualificationDetailApi(APIView):
    required_scope = Scope.READ

    @extend_schema(operation_id="qualifications_get", responses={200: QualificationSerializer, 404: ERROR})
    def get(self, request, pk):
        return Response(QualificationSerializer(get_object_or_404(_qualifications(), pk=pk)).data)


class QualificationVersionApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="qualifications_version_publish", request=VersionInputSerializer,
                   responses={201: QualificationSerializer, 400: ERROR, 403: ERROR},
                   summary="Publish a new version of a computed qualification's rule")
    def post(self, request, pk):
        q = get_object_or_404(Qualification, pk=pk)
        data = VersionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.qualification_version_publish(actor=request.user, qualification=q, rule=data.validated_data["rule"],
                                               reason=data.validated_data.get("reason", ""))
        return Response(QualificationSerializer(_qualifications().get(pk=pk)).data, status=status.HTTP_201_CREATED)


class QualificationExplainApi(APIView):
    required_scope = None  # a person's own: never by API key

    @extend_schema(operation_id="qualifications_explain", responses={200: ExplanationSerializer, 404: ERROR},
                   summary="Where I stand: per clause, my value, the required value and what is missing")
    def get(self, request, pk):
        q = get_object_or_404(_qualifications(), pk=pk)
        if membership_active(user=request.user, coop=q.coop) is None:
            raise NotFound("not_a_member", "Only members of this coop have a record for it.")
        return Response(ExplanationSerializer(selectors.explain(member=request.user, qualification=q)).data)


class MyQualificationsApi(APIView):
    required_scope = None  # a person's own: never by API key

    @extend_schema(operation_id="qualifications_mine", responses={200: ExplanationSerializer(many=True)},
                   summary="Every qualification I can see, with where I stand")
    def get(self, request):
        membership = membership_active(user=request.user)
        if membership is None:
            return Response([])
        rows = selectors.qualifications_for_member(member=request.user, coop=membership.coop)
        return Response(ExplanationSerializer(selectors.explain_all(member=request.user, qualifications=rows),
                                              many=True).data)


class RequirementsSerializer(serializers.Serializer):
    qualifications = serializers.ListField(child=serializers.IntegerField())
    eligible_members = serializers.IntegerField()
    active_members = serializers.IntegerField()


class ProjectQualificationsApi(APIView):
    required_scope = {"GET": Scope.READ, "PUT": Scope.PROJECTS}

    def _project(self, request, pk):
        organisation = organisation_for_request(request=request,
                                                organisation_id=request.query_params.get("organisation"))
        return get_object_or_404(Project.objects.select_related("coop"), pk=pk, organisation=organisation)

    def _body(self, project):
        context = selectors.project_requirements_context(project=project)
        return RequirementsSerializer({"qualifications": [r["qualification"].pk for r in context["required"]],
                                       "eligible_members": context["eligible_count"],
                                       "active_members": context["active_count"]}).data

    @extend_schema(operation_id="project_qualifications_get", responses={200: RequirementsSerializer, 404: ERROR},
                   summary="A project's required qualifications and how many members meet them")
    def get(self, request, pk):
        return Response(self._body(self._project(request, pk)))

    @extend_schema(operation_id="project_qualifications_set",
                   request=inline_serializer("ProjectQualificationsInput", {
                       "qualifications": serializers.ListField(child=serializers.IntegerField())}),
                   responses={200: RequirementsSerializer, 400: ERROR, 404: ERROR},
                   summary="Choose a project's required qualifications")
    def put(self, request, pk):
        project = self._project(request, pk)
        ids = request.data.get("qualifications") if isinstance(request.data, dict) else None
        if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            raise DomainError("invalid", "Give \"qualifications\": a list of qualification ids.")
        services.project_requirements_set(actor=request.user, project=project, qualifications=ids)
        return Response(self._body(project))


class AttemptSerializer(serializers.Serializer):
    """A paid test attempt as its member sees it: the questions, never the key."""

    id = serializers.IntegerField()
    test = serializers.IntegerField(source="test_id")
    number = serializers.IntegerField()
    status = serializers.CharField()
    deadline_at = serializers.DateTimeField()
    questions = serializers.ListField(child=serializers.DictField(), source="test.questions")
    score = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField()
    wrong = serializers.ListField(child=serializers.CharField())
    reward = serializers.IntegerField()


class AttemptStartApi(APIView):
    required_scope = None  # a person's own: never by API key

    @extend_schema(operation_id="test_attempt_start", request=None, responses={201: AttemptSerializer, 409: ERROR},
                   summary="Start (or resume) a paid test attempt: the questions, never the key")
    def post(self, request, pk):
        test = get_object_or_404(QualificationTest, pk=pk)
        attempt = services.attempt_start(member=request.user, test=test)
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


class AttemptSubmitApi(APIView):
    required_scope = None  # a person's own: never by API key

    @extend_schema(operation_id="test_attempt_submit",
                   request=inline_serializer("AttemptAnswers", {"answers": serializers.DictField()}),
                   responses={200: AttemptSerializer, 400: ERROR, 409: ERROR},
                   summary="Submit answers: scored and paid once, pass or fail")
    def post(self, request, pk):
        attempt = get_object_or_404(Attempt.objects.select_related("test"), pk=pk, member=request.user)
        answers = request.data.get("answers") if isinstance(request.data, dict) else None
        attempt = services.attempt_submit(member=request.user, attempt=attempt, answers=answers)
        return Response(AttemptSerializer(attempt).data)


class TestInputSerializer(serializers.Serializer):
    coop = serializers.SlugField()
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    instructions = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    questions = serializers.JSONField()
    answer_key = serializers.JSONField()
    pass_mark = serializers.IntegerField()
    time_limit_minutes = serializers.IntegerField()
    retry_hours = serializers.IntegerField()
    estimated_minutes = serializers.IntegerField()
    reward = serializers.IntegerField(help_text="Pay per attempt, in minor units; at least the floor rate.")
    attempts = serializers.IntegerField(required=False, min_value=1, max_value=10_000,
                                        help_text="Attempts to fund at once from your balance.")


class TestSerializer(serializers.Serializer):
    """A paid test as its requester sees it: pay, fee and the attempts its escrow funds."""

    id = serializers.IntegerField()
    qualification = serializers.IntegerField(source="qualification_id")
    reward = serializers.IntegerField()
    fee = serializers.IntegerField(help_text="Fees of every attempt funded so far: each funding's fee is the voted "
                                             "percentage of its pay, rounded down once and split exactly.")
    attempts_funded = serializers.IntegerField()
    attempts_left = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    pass_mark = serializers.IntegerField()

    class Meta:
        ref_name = "QualificationTest"


class TestCreateApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="qualification_tests_create", request=TestInputSerializer,
                   responses={201: TestSerializer, 400: ERROR, 403: ERROR},
                   summary="A requester defines a paid test (and funds attempts into its escrow)")
    def post(self, request):
        data = TestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        coop = get_object_or_404(Coop, slug=fields.pop("coop"))
        attempts = fields.pop("attempts", None)
        organisation = organisation_for_request(request=request,
                                                organisation_id=request.query_params.get("organisation"))
        test = services.qualification_test_create(actor=request.user, coop=coop, organisation=organisation, **fields)
        if attempts:
            test = services.qualification_test_fund(actor=request.user, test=test, attempts=attempts)
        return Response(TestSerializer(test).data, status=status.HTTP_201_CREATED)


class TestFundApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="qualification_tests_fund",
                   request=inline_serializer("TestFundInput", {"attempts": serializers.IntegerField()}),
                   responses={200: TestSerializer, 400: ERROR, 403: ERROR},
                   summary="Fund more attempts (it reopens a test whose budget was spent)")
    def post(self, request, pk):
        test = get_object_or_404(QualificationTest.objects.select_related("qualification"), pk=pk)
        attempts = request.data.get("attempts") if isinstance(request.data, dict) else None
        test = services.qualification_test_fund(actor=request.user, test=test, attempts=attempts)
        return Response(TestSerializer(test).data)
