"""The ledger's API: a member's wallet, statement and payouts; a requester's balance, escrow
and statement; the operator's deposits. POSTs honour the `Idempotency-Key` header."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation
from accounts.selectors import organisation_for_request
from coop.core.api import ERROR, IDEMPOTENCY, CursorPagination
from coop.core.errors import Forbidden, NotFound
from coop.core.idempotency import idempotent
from coop.core.money import currency
from coop.federation.access import Scope, operator_require
from ledger import selectors, services

MONTH = OpenApiParameter("month", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
                         description="Only this month, as YYYY-MM.")
ORG = OpenApiParameter("organisation", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                       description="Which of your organisations (session users on several).")


class StatementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    transaction = serializers.IntegerField(source="transaction_id")
    kind = serializers.CharField(source="transaction.kind")
    memo = serializers.CharField(source="transaction.memo")
    amount = serializers.IntegerField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="transaction.created_at")


class HeldLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = serializers.IntegerField()
    link = serializers.CharField(allow_blank=True)


class WalletSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance = serializers.IntegerField()
    held = serializers.IntegerField()
    held_lines = HeldLineSerializer(many=True)


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    details = serializers.CharField()
    reference = serializers.SerializerMethodField()
    failure_reason = serializers.CharField()

    def get_reference(self, payout) -> str:
        return payout.reference if payout.status == "settled" else ""


class PayoutInputSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, help_text="Minor units")
    method = serializers.CharField(max_length=40)
    details = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                    help_text="Free text, for the generic methods only (mobile_money, bank_transfer)")
    destination = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=100), required=False,
        help_text="The method's fields, e.g. {\"phone\": \"+261 34 12 345 67\", \"holder\": \"Rakoto\"} for mvola; "
                  "wrong fields come back in extra.fields (docs/languages-and-money.md)")


class EscrowSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    amount = serializers.IntegerField()


class RequesterBalanceSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    currency = serializers.CharField()
    balance = serializers.IntegerField()
    escrow_total = serializers.IntegerField()
    escrow = EscrowSerializer(many=True)


class DepositInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(min_value=1)
    amount = serializers.IntegerField(min_value=1, help_text="Minor units")
    reference = serializers.CharField(max_length=100)


class DepositSerializer(serializers.Serializer):
    transaction = serializers.IntegerField()
    organisation = serializers.IntegerField()
    amount = serializers.IntegerField()
    reference = serializers.CharField()
    balance = serializers.IntegerField()


def _month(request):
    month = request.query_params.get("month") or None
    if month and selectors.month_bounds(month) is None:
        raise serializers.ValidationError({"month": "Use YYYY-MM."})
    return month


class WalletApi(APIView):
    required_scope = None  # a member's money: never by an organisation's API key
    member_scope = "read"  # a member's own key may read it (issue 18)


    @extend_schema(responses={200: WalletSerializer, 403: ERROR}, tags=["ledger"])
    def get(self, request):
        held = selectors.wallet_held(user=request.user)
        return Response(WalletSerializer({
            "currency": currency(), "balance": selectors.wallet_balance(user=request.user),
            "held": held["total"], "held_lines": held["lines"],
        }).data)


class WalletStatementApi(ListAPIView):
    required_scope = None  # a member's money: never by an organisation's API key
    member_scope = "read"  # a member's own key may read it (issue 18)

    serializer_class = StatementLineSerializer
    pagination_class = CursorPagination

    @extend_schema(parameters=[MONTH], tags=["ledger"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.wallet_statement(user=self.request.user, month=_month(self.request))


class PayoutListApi(APIView):
    required_scope = None  # a member's money: never by API key


    @extend_schema(responses={200: PayoutSerializer(many=True)}, tags=["ledger"])
    def get(self, request):
        return Response(PayoutSerializer(selectors.payouts_of(user=request.user)[:100], many=True).data)

    @extend_schema(request=PayoutInputSerializer, parameters=[IDEMPOTENCY],
                   responses={201: PayoutSerializer, 400: ERROR, 403: ERROR, 409: ERROR}, tags=["ledger"])
    def post(self, request):
        data = PayoutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def handler():
            payout = services.payout_request(user=request.user, **data.validated_data)
            return Response(PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)

        return idempotent(request=request, scope=f"user:{request.user.pk}", handler=handler)


def _requester(request):
    return organisation_for_request(request=request, organisation_id=request.query_params.get("organisation"))


class RequesterBalanceApi(APIView):
    required_scope = Scope.READ

    @extend_schema(parameters=[ORG], responses={200: RequesterBalanceSerializer, 403: ERROR}, tags=["ledger"])
    def get(self, request):
        organisation = _requester(request)
        escrows = selectors.escrow_by_project(organisation=organisation)
        return Response(RequesterBalanceSerializer({
            "organisation": organisation.pk, "currency": currency(),
            "balance": selectors.requester_balance(organisation=organisation),
            "escrow_total": sum(escrows.values()),
            "escrow": [{"project": pk, "amount": amount} for pk, amount in sorted(escrows.items())],
        }).data)


class RequesterStatementApi(ListAPIView):
    required_scope = Scope.READ

    serializer_class = StatementLineSerializer
    pagination_class = CursorPagination

    @extend_schema(parameters=[ORG, MONTH], tags=["ledger"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.requester_statement(organisation=_requester(self.request), month=_month(self.request))


class DepositCreateApi(APIView):
    """The federation operator records money received from a requester."""

    required_scope = None  # the operator's: never by API key

    @extend_schema(request=DepositInputSerializer, parameters=[IDEMPOTENCY],
                   responses={201: DepositSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
                   tags=["ledger"])
    def post(self, request):
        operator_require(request.user, error=Forbidden("operator_only",
                                                       "Only the federation operator records deposits."))
        data = DepositInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation = Organisation.objects.filter(pk=data.validated_data["organisation"]).first()
        if organisation is None:
            raise NotFound("unknown_organisation", "No such organisation.")

        def handler():
            tx = services.deposit_record(operator=request.user, organisation=organisation,
                                         amount=data.validated_data["amount"],
                                         reference=data.validated_data["reference"])
            return Response(DepositSerializer({
                "transaction": tx.pk, "organisation": organisation.pk, "amount": data.validated_data["amount"],
                "reference": tx.memo, "balance": selectors.requester_balance(organisation=organisation),
            }).data, status=status.HTTP_201_CREATED)

        return idempotent(request=request, scope=f"org:{organisation.pk}", handler=handler)
