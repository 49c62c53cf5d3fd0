"""The governance API: proposals (list, create, read, submit, withdraw) and voting."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.api import ERROR, ERRORS
from coop.governance import selectors, services
from coop.governance.models import Ballot, Proposal


class ChangeInSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=32, help_text="parameter, article, data_category, qualification_rule, "
                                                          "steward_elect, steward_recall")
    name = serializers.CharField(required=False, max_length=64, help_text="parameter name")
    value = serializers.JSONField(required=False, help_text="proposed value (amounts in minor units)")
    number = serializers.IntegerField(required=False, help_text="article number")
    title = serializers.CharField(required=False, max_length=200, allow_blank=True)
    body = serializers.CharField(required=False, max_length=5000, allow_blank=True)
    category = serializers.CharField(required=False, max_length=64)
    action = serializers.ChoiceField(required=False, choices=["ban", "allow"])
    membership = serializers.IntegerField(required=False)
    qualification = serializers.IntegerField(required=False, help_text="qualification_rule: the id of one of the "
                                                                       "coop's own computed qualifications")
    rule = serializers.JSONField(required=False, help_text="qualification_rule: the new rule (docs/qualifications.md)")


class ProposalInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    secret = serializers.BooleanField(required=False, default=False)
    federation = serializers.BooleanField(required=False, default=False)
    changes = ChangeInSerializer(many=True, required=False)
    submit = serializers.BooleanField(required=False, default=False, help_text="open the discussion at once")


class ChangeOutSerializer(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    current = serializers.JSONField()
    proposed = serializers.JSONField()
    skipped = serializers.CharField()


class ProposalOutSerializer(serializers.ModelSerializer):
    coop = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.CharField(source="author.display_name")
    changes = ChangeOutSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "coop", "author", "title", "body", "status", "secret", "needs_supermajority",
                  "based_on_version", "created_version", "created_at", "discussion_ends_at", "voting_opened_at",
                  "voting_ends_at", "closed_at", "eligible_count", "quorum_pct", "threshold_pct", "supermajority",
                  "rules_version", "changes"]


class TallySerializer(serializers.Serializer):
    yes = serializers.IntegerField()
    no = serializers.IntegerField()
    abstain = serializers.IntegerField()
    cast = serializers.IntegerField()
    eligible = serializers.IntegerField()
    quorum_needed = serializers.IntegerField()
    quorum_met = serializers.BooleanField()
    passing = serializers.BooleanField()


class MyVoteSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    voted = serializers.BooleanField()
    choice = serializers.CharField(allow_null=True)


class CoopResultSerializer(serializers.Serializer):
    coop = serializers.CharField(source="coop.slug")
    eligible = serializers.IntegerField()
    yes = serializers.IntegerField(required=False)
    no = serializers.IntegerField(required=False)
    abstain = serializers.IntegerField(required=False)
    outcome = serializers.CharField(required=False)


class ProposalDetailSerializer(serializers.Serializer):
    proposal = ProposalOutSerializer()
    tally = TallySerializer(allow_null=True, help_text="null while a secret ballot is open")
    per_coop = CoopResultSerializer(many=True)
    my_vote = MyVoteSerializer()


class BallotInSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Ballot.Choice.values)


def _detail(proposal, user):
    return ProposalDetailSerializer({
        "proposal": proposal, "tally": selectors.tally_summary(proposal=proposal),
        "per_coop": selectors.results_per_coop(proposal=proposal),
        "my_vote": selectors.my_vote(proposal=proposal, user=user),
    }).data


class ProposalListCreateApi(generics.ListAPIView):
    required_scope = None  # a member's governance: never by API key

    serializer_class = ProposalOutSerializer

    def get_queryset(self):
        return selectors.proposals_visible(user=self.request.user).prefetch_related("changes")

    @extend_schema(request=ProposalInSerializer, responses={201: ProposalDetailSerializer, **ERRORS})
    def post(self, request):
        data = ProposalInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        proposal = services.proposal_create(author=request.user, title=d["title"], body=d.get("body", ""),
                                            changes=d.get("changes", []), secret=d["secret"],
                                            federation=d["federation"])
        if d["submit"]:
            proposal = services.proposal_submit(author=request.user, proposal=proposal)
        proposal = selectors.proposal_get(user=request.user, pk=proposal.pk)
        return Response(_detail(proposal, request.user), status=status.HTTP_201_CREATED)


class ProposalDetailApi(APIView):
    required_scope = None  # a member's governance: never by API key

    @extend_schema(responses={200: ProposalDetailSerializer, 403: ERROR, 404: ERROR})
    def get(self, request, pk):
        return Response(_detail(selectors.proposal_get(user=request.user, pk=pk), request.user))


class ProposalSubmitApi(APIView):
    required_scope = None  # a member's governance: never by API key

    @extend_schema(request=None, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, pk):
        proposal = services.proposal_submit(author=request.user,
                                            proposal=selectors.proposal_get(user=request.user, pk=pk))
        return Response(_detail(selectors.proposal_get(user=request.user, pk=proposal.pk), request.user))


class ProposalWithdrawApi(APIView):
    required_scope = None  # a member's governance: never by API key

    @extend_schema(request=None, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, pk):
        proposal = services.proposal_withdraw(author=request.user,
                                              proposal=selectors.proposal_get(user=request.user, pk=pk))
        return Response(_detail(selectors.proposal_get(user=request.user, pk=proposal.pk), request.user))


class BallotCastApi(APIView):
    required_scope = None  # a member's governance: never by API key

    @extend_schema(request=BallotInSerializer, responses={200: ProposalDetailSerializer, **ERRORS})
    def post(self, request, pk):
        data = BallotInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = selectors.proposal_get(user=request.user, pk=pk)
        services.ballot_cast(user=request.user, proposal=proposal, choice=data.validated_data["choice"])
        return Response(_detail(selectors.proposal_get(user=request.user, pk=pk), request.user))
