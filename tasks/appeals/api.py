"""Appeals over the API: members file and follow appeals, jurors answer and vote, requesters
answer (with an API key too), anyone reads a requester's scorecard. Requesters see the
worker's pseudonym, jurors see nobody's name."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation
from accounts.pseudonyms import worker_pseudonym
from coop.core.errors import NotFound
from tasks.appeals import brake, selectors, services
from tasks.appeals.models import Appeal, JurySeat, ProjectFlag
from tasks.appeals.scorecards import scorecard_for
from tasks.models import Project


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

    def get_jurors(self, appeal) -> list[dict]:
        if appeal.is_open:
            return []
        return [{"label": s.label, "vote": s.vote, "reason": s.vote_reason}
                for s in appeal.seats.filter(status=JurySeat.Status.VOTED)]

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


def _appeal(request, pk):
    appeal = Appeal.objects.select_related("organisation", "coop").filter(pk=pk).first()
    role = appeal and selectors.appeal_readers(appeal=appeal, user=request.user)
    if not role:
        raise NotFound()
    return appeal, role


class AppealListApi(APIView):
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
            from coop.federation.models import Membership

            membership = Membership.objects.filter(user=request.user, status="suspended").first()
            if membership is None:
                raise NotFound()
            subject["sanction"] = membership
        appeal = services.appeal_file(member=request.user, statement=d["statement"], **subject)
        return Response(AppealSerializer(appeal).data, status=201)


class AppealDetailApi(APIView):
    @extend_schema(responses=AppealSerializer, summary="One appeal (appellant, juror, requester or steward)")
    def get(self, request, pk):
        appeal, role = _appeal(request, pk)
        return Response(AppealSerializer(appeal, context={"role": role}).data)


class AppealAnswerApi(APIView):
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
    action = None

    @extend_schema(request=VoteInput, responses={200: dict}, summary="Accept, decline or vote as a juror")
    def post(self, request, pk):
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
        return Response({"seat": seat.label, "status": seat.status})


class ScorecardApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict}, summary="A requester's public record")
    def get(self, request, slug):
        organisation = get_object_or_404(Organisation, slug=slug)
        card = scorecard_for(organisation=organisation)
        return Response({"organisation": organisation.slug, "computed_at": card.computed_at, **card.figures})


class ProjectFlagApi(APIView):
    @extend_schema(request=FlagInput, responses={201: dict}, summary="Flag a project (members)")
    def post(self, request, pk):
        data = FlagInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = Project.objects.filter(pk=pk).first()
        if project is None:
            raise NotFound()
        flag = brake.project_flag(member=request.user, project=project, **data.validated_data)
        return Response({"id": flag.pk, "kind": flag.kind}, status=201)


