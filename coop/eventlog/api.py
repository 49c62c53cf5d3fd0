"""The event log's public API: the feed of envelopes (payloads for allowed readers), signed
checkpoints, inclusion and consistency proofs. Anyone may call it; docs/eventlog.md explains
how to verify what it returns."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from coop.core.api import ERROR
from coop.core.errors import DomainError, NotFound
from coop.eventlog import selectors
from coop.federation.access import PUBLIC, Scope, event_reader_for


class EventSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    time = serializers.IntegerField(help_text="UTC microseconds since the epoch")
    coop = serializers.IntegerField(allow_null=True)
    type = serializers.CharField()
    subject_type = serializers.CharField()
    subject_id = serializers.CharField()
    payload_hash = serializers.CharField(help_text="hex SHA-256(salt ‖ payload bytes)")
    leaf_hash = serializers.CharField(help_text="hex RFC 9162 leaf hash of the canonical envelope")
    chain_hash = serializers.CharField(help_text="hex SHA-256(previous chain hash ‖ leaf hash)")
    payload_view = serializers.ChoiceField(
        ["none", "member", "requester", "withheld", "erased"],
        help_text="member: payload and salt as recorded; requester: the payload's known keys with worker "
                  "pseudonyms, no salt; withheld: another member's money (the leaf still verifies); erased: its "
                  "member left with erasure, only the salted hash remains (the leaf still verifies); none: no payload")
    payload = serializers.JSONField(required=False, help_text="only for allowed readers")
    salt = serializers.CharField(required=False, help_text="hex; members of the event's coop only")


class FeedSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="the next page (after the last position), or null")
    size = serializers.IntegerField(help_text="positions sequenced so far")


class FeedQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    coop = serializers.IntegerField(required=False)
    type = serializers.CharField(required=False, max_length=64, help_text="a type, or a prefix ending with '.'")


def _reader(request):
    return event_reader_for(user=request.user, auth=request.auth)


class EventFeedApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_feed", parameters=[FeedQuery], responses={200: FeedSerializer, 400: ERROR},
                   summary="Events after a position, oldest first (cursor: `after`)")
    def get(self, request):
        query = FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        rows = selectors.events_feed(after=q["after"], limit=q["limit"] + 1, coop_id=q.get("coop"),
                                     type=q.get("type"))
        more = len(rows) > q["limit"]
        rows = rows[:q["limit"]]
        reader = _reader(request)
        next_url = None
        if more:
            params = request.query_params.copy()
            params["after"] = rows[-1].position
            next_url = reverse("eventlog-api:feed", request=request) + "?" + params.urlencode()
        return Response(FeedSerializer({"results": selectors.events_view(rows, reader), "next": next_url,
                                        "size": selectors.log_size()}).data)


class EventDetailApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_event", responses={200: EventSerializer, 404: ERROR})
    def get(self, request, position):
        row = selectors.event_at(position=position)
        if row is None:
            raise NotFound("no_event", _("No event at this position."))
        return Response(EventSerializer(selectors.event_view(row, _reader(request))).data)


class CheckpointSerializer(serializers.Serializer):
    size = serializers.IntegerField()
    root = serializers.CharField(help_text="hex RFC 9162 tree head of positions 1..size")
    chain_hash = serializers.CharField(help_text="hex chain hash at position `size`")
    time = serializers.IntegerField(help_text="UTC microseconds since the epoch")
    origin = serializers.CharField()
    key_id = serializers.CharField()
    public_key = serializers.CharField(help_text="hex raw Ed25519 public key")
    signature = serializers.CharField(help_text="hex Ed25519 signature over `message`")
    message = serializers.CharField(help_text="the signed bytes: canonical JSON of chain, origin, root, size, time")


class CheckpointPageSerializer(serializers.Serializer):
    results = CheckpointSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="the next page, or null")

    class Meta:
        ref_name = "CheckpointPage"


class InclusionProofSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    size = serializers.IntegerField()
    leaf_hash = serializers.CharField(help_text="hex")
    root = serializers.CharField(help_text="hex tree head of positions 1..size")
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex hashes, RFC 9162 order")

    class Meta:
        ref_name = "InclusionProof"


class ConsistencyProofSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    first_root = serializers.CharField(help_text="hex")
    second_root = serializers.CharField(help_text="hex")
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex hashes, RFC 9162 order")

    class Meta:
        ref_name = "ConsistencyProof"


class CheckpointLatestApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_checkpoint_latest", responses={200: CheckpointSerializer, 404: ERROR},
                   summary="The latest signed checkpoint")
    def get(self, request):
        checkpoint = selectors.checkpoint_latest()
        if checkpoint is None:
            raise NotFound("no_checkpoint", _("No checkpoint has been signed yet."))
        return Response(CheckpointSerializer(selectors.checkpoint_view(checkpoint)).data)


class CheckpointListApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_checkpoints", parameters=[
        OpenApiParameter("after", OpenApiTypes.INT, description="only checkpoints of a larger size"),
    ], responses={200: CheckpointPageSerializer})
    def get(self, request):
        query = FeedQuery(data={"after": request.query_params.get("after", 0)})
        query.is_valid(raise_exception=True)
        rows = selectors.checkpoints_after(after=query.validated_data["after"], limit=101)
        next_url = None
        if len(rows) > 100:
            rows = rows[:100]
            next_url = reverse("eventlog-api:checkpoints", request=request) + f"?after={rows[-1].size}"
        return Response(CheckpointPageSerializer({"results": [selectors.checkpoint_view(c) for c in rows],
                                                  "next": next_url}).data)


def _size_or_latest(value, name):
    size = selectors.log_size()
    if value is None:
        checkpoint = selectors.checkpoint_latest()
        value = checkpoint.size if checkpoint else size
    if not 1 <= value <= size:
        raise DomainError("beyond_log", _("The log has %(size)d positions.") % {"size": size},
                          {name: value, "log_size": size})
    return value


class InclusionQuery(serializers.Serializer):
    position = serializers.IntegerField(min_value=1)
    size = serializers.IntegerField(min_value=1, required=False,
                                    help_text="tree size (default: the latest checkpoint's)")


class ConsistencyQuery(serializers.Serializer):
    first = serializers.IntegerField(min_value=1)
    second = serializers.IntegerField(min_value=1, required=False,
                                      help_text="the larger size (default: the latest checkpoint's)")


class InclusionProofApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_inclusion_proof", parameters=[InclusionQuery], responses={
        200: InclusionProofSerializer,
        400: ERROR}, summary="RFC 9162 inclusion proof of one position in the tree of a size")
    def get(self, request):
        query = InclusionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        size = _size_or_latest(query.validated_data.get("size"), "size")
        position = query.validated_data["position"]
        if position > size:
            raise DomainError("beyond_tree", _("The position is not in a tree of this size."),
                              {"position": position, "size": size})
        return Response(InclusionProofSerializer(selectors.inclusion_proof(position=position, size=size)).data)


class ConsistencyProofApi(APIView):
    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="eventlog_consistency_proof", parameters=[ConsistencyQuery], responses={
        200: ConsistencyProofSerializer,
        400: ERROR}, summary="RFC 9162 consistency proof between two tree sizes")
    def get(self, request):
        query = ConsistencyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        second = _size_or_latest(query.validated_data.get("second"), "second")
        first = query.validated_data["first"]
        if first > second:
            raise DomainError("bad_sizes", _("The first size must not exceed the second."),
                              {"first": first, "second": second})
        return Response(ConsistencyProofSerializer(selectors.consistency_proof(first=first, second=second)).data)
