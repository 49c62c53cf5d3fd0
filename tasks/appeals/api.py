"""Appeals over the API: members file and follow appeals, jurors answer and vote, requesters
answer (with an API key too), anyone reads a requester's scorecard. Requesters see the
worker's pseudonym, jurors see nobody's name."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation
from accounts.pseudonyms import worker_pseudonym
from coop.core.errors import NotFound
from coop.federation.access import PUBLIC, Scope
from coop.federation.models import Membership
from tasks.appeals import selectors, services
from tasks.appeals.models import Appeal, JurySeat, ProjectFlag
from tasks.models import Project


class JurorVoteSerializer(serializers.Serializer):
    """A juror's vote, shown once the appeal is decided: by seat label, never by name."""

    label = serializers.CharField(source="api_label")
    vote = serializers.CharField()
    reason = serializers.CharField(source="vote_reason")


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    filed_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    assignment = serializers.IntegerField(source="assignment_id", allow_null=True)
    statement = serializers.CharField()
    requester_answer = serializers.CharField()
    uphold_votes = serializers.IntegerField()
    overturn_votes = serializers.IntegerField()
    checkpoint_size = serializers.IntegerField(allow_null=True)
    seed = serializers.CharField()
    jurors = serializers.SerializerMethodField()
    worker = serializers.SerializerMethodField()

    @extend_schema_field(JurorVoteSerializer(many=True))
    def get_jurors(self, appeal):
        if appeal.is_open:
            return []
        return JurorVoteSerializer(appeal.seats.filter(status=JurySeat.Status.VOTED), many=True).data

    def get_worker(self, appeal) -> str | None:
        if self.context.get("role") == "requester" and appeal.organisation_id:
            return worker_pseudonym(user=appeal.appellant_id, organisation=appeal.organisation_id)
        return None


class AppealFileInput(serializers.Serializer):
    assignment = serializers.IntegerField(required=False)
    revocation = serializers.IntegerField(required=False)
    sanction = serializers.BooleanField(required=False)
    statement = serializers.CharField(max_length=4000)


class TextInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class VoteInput(serializers.Serializer):
    vote = serializers.ChoiceField(choices=Appeal.Decision.values)
    reason = serializers.CharField(max_length=2000)


class FlagInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProjectFlag.Kind.values)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class SeatSerializer(serializers.Serializer):
    seat = serializers.CharField(source="api_label", help_text="the juror's seat label (jurors see nobody's name)")
    status = serializers.CharField()


class ScorecardSerializer(serializers.Serializer):
    """A requester's public record (tasks.appeals.scorecards): money in minor units per hour,
    rates in whole percent; null where there is nothing to measure yet."""

    organisation = serializers.SlugField(source="organisation.slug")
    computed_at = serializers.DateTimeField()
    hourly_pay = serializers.IntegerField(allow_null=True, source="figures.hourly_pay")
    hourly_pay_median = serializers.IntegerField(allow_null=True, source="figures.hourly_pay_median")
    hourly_pay_p25 = serializers.IntegerField(allow_null=True, source="figures.hourly_pay_p25")
    hourly_pay_p75 = serializers.IntegerField(allow_null=True, source="figures.hourly_pay_p75")
    reviewed = serializers.IntegerField(source="figures.reviewed")
    rejected = serializers.IntegerField(source="figures.rejected")
    rejection_rate_pct = serializers.IntegerField(allow_null=True, source="figures.rejection_rate_pct")
    appeals_decided = serializers.IntegerField(source="figures.appeals_decided")
    appeals_lost = serializers.IntegerField(source="figures.appeals_lost")
    appeals_lost_pct = serializers.IntegerField(allow_null=True, source="figures.appeals_lost_pct")
    time_to_pay_hours_median = serializers.IntegerField(allow_null=True, source="figures.time_to_pay_hours_median")
    projects_measured = serializers.IntegerField(source="figures.projects_measured")
    projects_estimate_below_reality = serializers.IntegerField(source="figures.projects_estimate_below_reality")
    estimate_below_reality_pct = serializers.IntegerField(allow_null=True,
                                                          source="figures.estimate_below_reality_pct")
    tasks_paid = serializers.IntegerField(source="figures.tasks_paid")
    members_paid = serializers.IntegerField(source="figures.members_paid")


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()


def _appeal(request, pk):
    appeal = Appeal.objects.select_related("organisation", "coop").filter(pk=pk).first()
    role = appeal and selectors.appeal_readers(appeal=appeal, user=request.user)
    if not role:
        raise NotFound()
    return appeal, role


class AppealListApi(APIView):
    required_scope = {"GET": Scope.READ}  # filing (POST) is a member's

    @extend_schema(responses=AppealSerializer(many=True), summary="My appeals")
    def get(self, request):
        return Response(AppealSerializer(selectors.appeals_of(user=request.user)[:200], many=True).data)

    @extend_schema(request=AppealFileInput, responses={201: AppealSerializer}, summary="File an appeal")
    def post(self, request):
        data = AppealFileInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        subject = {}
        if d.get("assignment"):
            subject["assignment"] = d["assignment"]
        if d.get("revocation"):
            subject["revocation"] = d["revocation"]
        if d.get("sanction"):
            membership = Membership.objects.filter(user=request.user, status="suspended").first()
            if membership is None:
                raise NotFound()
            subject["sanction"] = membership
        appeal = services.appeal_file(member=request.user, statement=d["statement"], **subject)
        return Response(AppealSerializer(appeal).data, status=201)


class AppealDetailApi(APIView):
    required_scope = Scope.READ

    @extend_schema(responses=AppealSerializer, summary="One appeal (appellant, juror, requester or steward)")
    def get(self, request, pk):
        appeal, role = _appeal(request, pk)
        return Response(AppealSerializer(appeal, context={"role": role}).data)


class AppealAnswerApi(APIView):
    required_scope = Scope.REVIEW

    @extend_schema(request=TextInput, responses=AppealSerializer, summary="The requester answers once")
    def post(self, request, pk):
        data = TextInput(data=request.data)
        data.is_valid(raise_exception=True)
        appeal, role = _appeal(request, pk)
        if role != "requester":
            raise NotFound()
        appeal = services.appeal_answer(actor=request.user, appeal=appeal, text=data.validated_data["text"])
        return Response(AppealSerializer(appeal, context={"role": role}).data)


class SeatActionApi(APIView):
    """A juror acts on their seat: accept it, decline it, or vote (one view per action, so
    the schema documents each one's own body)."""

    required_scope = None  # a juror's: never by API key

    action = None

    def _act(self, request, pk):
        appeal, role = _appeal(request, pk)
        if role != "juror":
            raise NotFound()
        if self.action == "accept":
            seat = services.seat_accept(juror=request.user, appeal=appeal)
        elif self.action == "decline":
            seat = services.seat_decline(juror=request.user, appeal=appeal)
        else:
            data = VoteInput(data=request.data)
            data.is_valid(raise_exception=True)
            seat = services.seat_vote(juror=request.user, appeal=appeal, **data.validated_data)
        return Response(SeatSerializer(seat).data)


class SeatAcceptApi(SeatActionApi):
    action = "accept"

    @extend_schema(request=None, responses={200: SeatSerializer}, summary="Accept a jury seat")
    def post(self, request, pk):
        return self._act(request, pk)


class SeatDeclineApi(SeatActionApi):
    action = "decline"

    @extend_schema(request=None, responses={200: SeatSerializer}, summary="Decline a jury seat")
    def post(self, request, pk):
        return self._act(request, pk)


class SeatVoteApi(SeatActionApi):
    action = "vote"

    @extend_schema(request=VoteInput, responses={200: SeatSerializer}, summary="Vote as a juror, with a reason")
    def post(self, request, pk):
        return self._act(request, pk)


class ScorecardApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(responses={200: ScorecardSerializer}, summary="A requester's public record")
    def get(self, request, slug):
        organisation = get_object_or_404(Organisation, slug=slug)
        card = selectors.scorecard_for(organisation=organisation)
        card.organisation = organisation
        return Response(ScorecardSerializer(card).data)


class ProjectFlagApi(APIView):
    required_scope = None  # a member's flag: never by API key

    @extend_schema(request=FlagInput, responses={201: FlagSerializer}, summary="Flag a project (members)")
    def post(self, request, pk):
        data = FlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = Project.objects.filter(pk=pk).first()
        if project is None:
            raise NotFound()
        flag = services.project_flag(member=request.user, project=project, **data.validated_data)
        return Response(FlagSerializer(flag).data, status=201)


