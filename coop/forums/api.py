"""The forums' API: the same rooms, messages and checks as the pages and the websocket.

Messages are read by sequence number (`?since=N`): everything that changed after N, in
order, the same catch-up the websocket sends."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.api import ERROR
from coop.forums import selectors, services
from coop.forums.errors import UnknownMessage
from coop.forums.models import Message
from coop.forums.registry import policy_for


class RoomSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    coop = serializers.SlugField(source="coop.slug")
    head_seq = serializers.IntegerField()
    unread = serializers.IntegerField()


class ReplyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    posted_seq = serializers.IntegerField()
    author = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    """A message as a reader sees it (a hidden message's text only for its author and stewards)."""

    id = serializers.IntegerField()
    room = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="number of the message's latest change")
    posted_seq = serializers.IntegerField(help_text="number it was posted with (its place in the room)")
    author = serializers.CharField()
    author_role = serializers.CharField()
    reply_to = ReplyRefSerializer(allow_null=True)
    body = serializers.CharField(allow_blank=True)
    html = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    edit_count = serializers.IntegerField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField(allow_blank=True)
    hidden_at = serializers.DateTimeField(allow_null=True)
    mine = serializers.BooleanField()


class MessagePageSerializer(serializers.Serializer):
    messages = MessageSerializer(many=True)
    head = serializers.IntegerField()
    more = serializers.BooleanField(help_text="ask again with since=<last seq> for the rest")


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()

    class Meta:
        ref_name = "ForumReport"


class ReadMarkerSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="read up to this sequence number")

    class Meta:
        ref_name = "ForumRead"


class PostInput(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    reply_to = serializers.IntegerField(required=False, allow_null=True)


class EditInput(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=1000)


class ReadInput(serializers.Serializer):
    seq = serializers.IntegerField(required=False, allow_null=True, min_value=0)


def _reader_view(message, user):
    room = message.room
    moderator = policy_for(room).is_moderator(room, user)
    return MessageSerializer(selectors.message_for_reader(message, user=user, moderator=moderator)).data


def _message(request, message_id):
    message = Message.objects.select_related("room", "reply_to").filter(pk=message_id).first()
    if message is None:
        raise UnknownMessage()
    selectors.room_get(user=request.user, room_id=message.room_id)
    return message


class RoomListApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_rooms", responses={200: RoomSerializer(many=True)},
                   summary="The rooms I may read, with unread counts")
    def get(self, request):
        rooms = selectors.rooms_readable(user=request.user)
        return Response(RoomSerializer(rooms, many=True).data)


class RoomDetailApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_room", responses={200: RoomSerializer, 403: ERROR, 404: ERROR})
    def get(self, request, room_id):
        room = selectors.room_get(user=request.user, room_id=room_id)
        room.unread = selectors.unread_count(room=room, user=request.user)
        return Response(RoomSerializer(room).data)


class RoomMessagesApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_messages", responses={200: MessagePageSerializer, 403: ERROR, 404: ERROR},
                   parameters=[OpenApiParameter("since", int, description="last sequence number seen (default 0)")],
                   summary="Every message changed after `since`, in sequence order (up to 500)")
    def get(self, request, room_id):
        room = selectors.room_get(user=request.user, room_id=room_id)
        moderator = policy_for(room).is_moderator(room, request.user)
        page = selectors.messages_since(room=room, since=request.query_params.get("since"))
        return Response(MessagePageSerializer({
            "messages": [selectors.message_for_reader(m, user=request.user, moderator=moderator) for m in page],
            "head": room.head_seq, "more": len(page) == selectors.CATCH_UP_LIMIT,
        }).data)

    @extend_schema(operation_id="forum_message_post", request=PostInput,
                   responses={201: MessageSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 429: ERROR},
                   summary="Post a message (Markdown), optionally as a reply")
    def post(self, request, room_id):
        room = selectors.room_get(user=request.user, room_id=room_id)
        data = PostInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_post(user=request.user, room=room, **data.validated_data)
        return Response(_reader_view(message, request.user), status=status.HTTP_201_CREATED)


class MessageApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_message_edit", request=EditInput,
                   responses={200: MessageSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Edit my message (the earlier text stays visible)")
    def patch(self, request, message_id):
        message = _message(request, message_id)
        data = EditInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_edit(user=request.user, message=message, body=data.validated_data["body"])
        return Response(_reader_view(message, request.user))


class MessageHideApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_message_hide", request=ReasonInput,
                   responses={200: MessageSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Hide a message with a reason (stewards)")
    def post(self, request, message_id):
        message = _message(request, message_id)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_hide(steward=request.user, message=message, reason=data.validated_data["reason"])
        return Response(_reader_view(message, request.user))


class MessageReportApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_message_report", request=ReasonInput,
                   responses={201: ReportSerializer,
                              400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   summary="Report a message to the coop's stewards")
    def post(self, request, message_id):
        message = _message(request, message_id)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.message_report(user=request.user, message=message, reason=data.validated_data["reason"])
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class RoomReadApi(APIView):
    required_scope = None  # members' conversations: never by API key

    @extend_schema(operation_id="forum_room_read", request=ReadInput,
                   responses={200: ReadMarkerSerializer,
                              403: ERROR, 404: ERROR},
                   summary="Mark the room read up to `seq` (default: everything)")
    def post(self, request, room_id):
        room = selectors.room_get(user=request.user, room_id=room_id)
        data = ReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        seq = services.read_marker_set(user=request.user, room=room, seq=data.validated_data.get("seq"))
        return Response(ReadMarkerSerializer({"seq": seq}).data)
