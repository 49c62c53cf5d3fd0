"""The requester's webhook API: subscriptions (the secret in the answer to POST and to a
rotation, once), each one's deliveries with every attempt, and replay. Session users on
several organisations say which with `?organisation=<id>`; a key acts for its own.
Reading needs the `read` scope, changes the `projects` scope."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as accounts_selectors
from accounts.requesters.api import ORG_PARAM
from coop.core.api import ERROR, ERRORS, validated
from coop.core.errors import NotFound
from coop.federation.access import Scope
from tasks.webhooks import selectors, services
from tasks.webhooks.models import EVENT_CODES, Attempt, Delivery, Subscription


def _organisation(request):
    return accounts_selectors.organisation_for_request(request=request,
                                                       organisation_id=request.query_params.get("organisation"))


def _subscription(request, pk):
    subscription = Subscription.objects.filter(pk=pk, organisation=_organisation(request)).first()
    if subscription is None:
        raise NotFound()
    return subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "url", "events", "description", "balance_low_below", "active", "secret_hint", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="whsec_…: shown this once. Verify webhook-signature with it.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CODES), min_length=1,
                                   max_length=len(EVENT_CODES))
    description = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    balance_low_below = serializers.IntegerField(min_value=0, required=False, default=0)
    active = serializers.BooleanField(required=False, default=True)


class SubscriptionUpdateSerializer(SubscriptionInputSerializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CODES), min_length=1,
                                   max_length=len(EVENT_CODES), required=False)
    description = serializers.CharField(max_length=120, required=False, allow_blank=True)
    balance_low_below = serializers.IntegerField(min_value=0, required=False)
    active = serializers.BooleanField(required=False)


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "replay", "started_at", "duration_ms", "status_code", "error", "response_excerpt"]


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)
    body = serializers.JSONField(source="body_json", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "message_id", "event_type", "status", "attempts", "next_attempt_at", "created_at",
                  "delivered_at", "last_status_code", "body", "attempt_log"]


class SubscriptionListApi(APIView):
    required_scope = {"GET": Scope.READ, "POST": Scope.PROJECTS}

    @extend_schema(operation_id="webhooks_list", parameters=[ORG_PARAM],
                   responses={200: SubscriptionSerializer(many=True), 403: ERROR})
    def get(self, request):
        rows = selectors.subscriptions_of(organisation=_organisation(request))
        return Response(SubscriptionSerializer(rows, many=True).data)

    @extend_schema(operation_id="webhook_create", parameters=[ORG_PARAM], request=SubscriptionInputSerializer,
                   responses={201: SubscriptionCreatedSerializer, **ERRORS},
                   summary="Subscribe an https address to events (the secret is in this answer only)")
    def post(self, request):
        organisation = _organisation(request)
        data = validated(SubscriptionInputSerializer, request.data)
        active = data.pop("active")
        subscription, secret = services.subscription_create(user=request.user, organisation=organisation, **data)
        if not active:
            subscription = services.subscription_update(user=request.user, subscription=subscription, active=False)
        body = SubscriptionSerializer(subscription).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)


class SubscriptionDetailApi(APIView):
    required_scope = {"GET": Scope.READ, "PATCH": Scope.PROJECTS, "DELETE": Scope.PROJECTS}

    @extend_schema(operation_id="webhook_get", parameters=[ORG_PARAM], responses={200: SubscriptionSerializer,
                                                                                  404: ERROR})
    def get(self, request, pk):
        return Response(SubscriptionSerializer(_subscription(request, pk)).data)

    @extend_schema(operation_id="webhook_update", parameters=[ORG_PARAM], request=SubscriptionUpdateSerializer,
                   responses={200: SubscriptionSerializer, **ERRORS})
    def patch(self, request, pk):
        subscription = _subscription(request, pk)
        data = validated(SubscriptionUpdateSerializer, request.data)
        subscription = services.subscription_update(user=request.user, subscription=subscription, **data)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(operation_id="webhook_delete", parameters=[ORG_PARAM], request=None,
                   responses={204: None, 403: ERROR, 404: ERROR})
    def delete(self, request, pk):
        services.subscription_delete(user=request.user, subscription=_subscription(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionRotateApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="webhook_secret_rotate", parameters=[ORG_PARAM], request=None,
                   responses={200: SubscriptionCreatedSerializer, 403: ERROR, 404: ERROR},
                   summary="A new signing secret (in this answer only); the old one stops at once")
    def post(self, request, pk):
        subscription, secret = services.subscription_secret_rotate(user=request.user,
                                                                   subscription=_subscription(request, pk))
        return Response({**SubscriptionSerializer(subscription).data, "secret": secret})


class DeliveryListApi(APIView):
    required_scope = Scope.READ

    @extend_schema(operation_id="webhook_deliveries", parameters=[ORG_PARAM],
                   responses={200: DeliverySerializer(many=True), 404: ERROR},
                   summary="The last 50 deliveries of a webhook, each with its attempts")
    def get(self, request, pk):
        subscription = _subscription(request, pk)
        rows = list(subscription.deliveries.order_by("-pk").prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("number")))[:50])
        return Response(DeliverySerializer(rows, many=True).data)


class DeliveryReplayApi(APIView):
    required_scope = Scope.PROJECTS

    @extend_schema(operation_id="webhook_delivery_replay", parameters=[ORG_PARAM], request=None,
                   responses={202: DeliverySerializer, 403: ERROR, 404: ERROR},
                   summary="Send a delivery again now (same webhook-id and body, a fresh signature)")
    def post(self, request, pk):
        delivery = selectors.delivery_among(organisations=[_organisation(request)], delivery_id=pk)
        if delivery is None:
            raise NotFound()
        services.delivery_replay(user=request.user, delivery=delivery)
        delivery = Delivery.objects.prefetch_related("attempt_log").get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
