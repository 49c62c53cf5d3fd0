"""The stewards' API for country-restricted projects (issue 23; docs/transparency.md): the same
review as the page `/steward/projects/` (tasks/views/country_review.py), through the same selector,
services, events and errors.

- `GET /api/steward/projects/`: the projects awaiting review in the coops the caller stewards
  (oldest submission first, cursor-paginated), each with its legal reason, its required
  qualifications in words and what it holds in escrow.
- `POST /api/steward/projects/<id>/approve/`: open it (`project_review_approve`).
- `POST /api/steward/projects/<id>/refuse/` with `{"reason": "..."}`: refuse it with a written
  reason the requester reads (`project_review_refuse`); a missing, blank, too short or too long
  reason is `reason_required` (400) with `extra.fields.reason`, as on the page, nothing written.

By session only (`required_scope = None`, no `member_scope`): neither an organisation's key nor a
member's own key acts as a steward. Access (`tasks.access.project_for_steward`): someone who
stewards no coop gets 403 `not_a_steward`; a project of another coop, or none, 404
`unknown_project`. The services then refuse a steward on the requester's staff (403
`reviewer_is_requester`) and a project no longer in review (409 `not_in_review`: decided once,
whoever asks again). A POST may carry an `Idempotency-Key` (per steward): a retry with the same key
and body gets the first answer again (`Idempotent-Replayed: true`) instead of `not_in_review`."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.api import ERRORS, IDEMPOTENCY, CursorPagination
from coop.core.idempotency import idempotent
from coop.federation.access import steward_coop_ids
from coop.federation.errors import NotASteward
from tasks import selectors, services
from tasks.access import project_for_steward
from tasks.qualifications.selectors import rule_words
from tasks.services.country_review import REASON_MAX, REASON_MIN
from tasks.transparency import LEGAL_REASON_CODES, legal_reason_label

TAGS = ["stewards"]


class RequirementSerializer(serializers.Serializer):
    qualification = serializers.IntegerField(source="qualification_id")
    name = serializers.CharField(source="qualification.name")
    rule = serializers.SerializerMethodField(help_text="the qualification's condition in words")

    class Meta:
        ref_name = "ReviewRequirement"

    def get_rule(self, obj) -> str:
        return rule_words(obj.qualification)


class ReviewProjectSerializer(serializers.Serializer):
    """A country-restricted project as its coop's stewards review it."""

    id = serializers.IntegerField()
    coop = serializers.SlugField(source="coop.slug")
    requester = serializers.CharField(source="organisation.name")
    title = serializers.CharField()
    category = serializers.CharField()
    status = serializers.CharField(help_text="`review` while it waits; `open` once approved, `draft` once refused")
    review_state = serializers.CharField(help_text="`pending`, `approved` or `refused`")
    review_reason = serializers.CharField(allow_blank=True, help_text="a refusal's reason, as the requester reads it")
    legal_reason = serializers.ChoiceField(choices=LEGAL_REASON_CODES)
    legal_reason_label = serializers.SerializerMethodField(help_text="the legal reason in words, in the "
                                                                     "request's language")
    legal_reason_text = serializers.CharField(help_text="which law or approval, in the requester's words")
    requirements = serializers.SerializerMethodField()
    held = serializers.SerializerMethodField(help_text="what its submission holds in escrow (minor units)")
    review_submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "ReviewProject"

    def get_legal_reason_label(self, obj) -> str:
        return legal_reason_label(obj.legal_reason)

    @extend_schema_field(RequirementSerializer(many=True))
    def get_requirements(self, obj):
        return RequirementSerializer(selectors.review_requirements(obj), many=True).data

    def get_held(self, obj) -> int:
        return obj.escrow_held - obj.escrow_refunded


class RefusalSerializer(serializers.Serializer):
    """Documents the body; the reason itself is checked by the service, as the page's is."""

    reason = serializers.CharField(
        min_length=REASON_MIN, max_length=REASON_MAX,
        help_text=f"Why, for the requester ({REASON_MIN} to {REASON_MAX} characters); missing or out of bounds: "
                  "400 `reason_required` with `extra.fields.reason`, nothing written.")

    class Meta:
        ref_name = "ReviewRefusal"


class ReviewPagination(CursorPagination):
    ordering = ("review_submitted_at", "pk")  # the page's order: the oldest submission first


class StewardApi(APIView):
    required_scope = None  # a steward's power: by session only, never by an organisation's or a member's key


class StewardProjectListApi(StewardApi, ListAPIView):
    serializer_class = ReviewProjectSerializer
    pagination_class = ReviewPagination

    def get_queryset(self):
        coop_ids = steward_coop_ids(self.request.user)
        if not coop_ids:
            raise NotASteward()
        return selectors.projects_awaiting_review(coop_ids=coop_ids)

    @extend_schema(operation_id="steward_projects_list", tags=TAGS,
                   summary="Country-restricted projects awaiting review in the coops I steward")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _decided(project):
    return Response(ReviewProjectSerializer(selectors.project_as_reviewed(project_id=project.pk)).data)


class StewardProjectApproveApi(StewardApi):
    @extend_schema(operation_id="steward_projects_approve", request=None, parameters=[IDEMPOTENCY], tags=TAGS,
                   responses={200: ReviewProjectSerializer, **ERRORS},
                   summary="Approve a project awaiting review: it opens to the coop's members")
    def post(self, request, pk):
        project = project_for_steward(user=request.user, project_id=pk)

        def handler():
            return _decided(services.project_review_approve(steward=request.user, project=project))

        return idempotent(request=request, scope=f"user:{request.user.pk}", handler=handler)


class StewardProjectRefuseApi(StewardApi):
    @extend_schema(operation_id="steward_projects_refuse", request=RefusalSerializer, parameters=[IDEMPOTENCY],
                   tags=TAGS, responses={200: ReviewProjectSerializer, **ERRORS},
                   summary="Refuse a project awaiting review, with the reason the requester reads (their money "
                           "goes back)")
    def post(self, request, pk):
        project = project_for_steward(user=request.user, project_id=pk)
        reason = request.data.get("reason") if isinstance(request.data, dict) else None

        def handler():
            return _decided(services.project_review_refuse(steward=request.user, project=project,
                                                           reason=reason if isinstance(reason, str) else ""))

        return idempotent(request=request, scope=f"user:{request.user.pk}", handler=handler)
