"""The federation's API: my membership, the coops, a coop's rulebook in force."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.api import ERROR, CursorPagination
from coop.core.errors import NotFound
from coop.federation import selectors
from coop.federation.access import PUBLIC, Scope
from coop.federation.models import Coop


class CoopBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Coop
        fields = ["slug", "name", "country"]


class ArticleSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    coop = CoopBriefSerializer()
    role = serializers.CharField()
    status = serializers.CharField()
    applied_at = serializers.DateTimeField()
    joined_at = serializers.DateTimeField(allow_null=True)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    status_reason = serializers.CharField(allow_blank=True)
    status_article = ArticleSerializer(allow_null=True)
    rulebook_version = serializers.IntegerField(allow_null=True)


class MembershipMeApi(APIView):
    required_scope = None  # a person's own: never by API key

    @extend_schema(operation_id="membership_me", responses={200: MembershipSerializer, 404: ERROR},
                   summary="My membership (current, or my last one if I have none live)")
    def get(self, request):
        membership = selectors.membership_live(user=request.user)
        if membership is None:
            raise NotFound("no_membership", _("You have no membership."))
        return Response(MembershipSerializer(membership).data)


class CoopSerializer(serializers.ModelSerializer):
    rulebook_url = serializers.SerializerMethodField()

    class Meta:
        model = Coop
        fields = ["slug", "name", "country", "description", "created_at", "rulebook_url"]

    def get_rulebook_url(self, coop) -> str:
        return f"/api/coops/{coop.slug}/rulebook/"


class CoopPagination(CursorPagination):
    ordering = "slug"


class CoopListApi(ListAPIView):
    """Every coop of the federation (public)."""

    required_scope = Scope.READ
    permission_classes = PUBLIC
    serializer_class = CoopSerializer
    pagination_class = CoopPagination

    def get_queryset(self):
        return selectors.coops_all()

    @extend_schema(operation_id="coops_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField(help_text="int, amount (minor units), bps, pct, fraction, choice, list, reasons")
    value = serializers.JSONField(help_text="as stored: amounts in minor units, bps, percentages, ...")
    shown = serializers.CharField(help_text="the value for people, in the request's language")
    bound_kind = serializers.CharField(help_text="min, max, range, subset, superset, federation or free")
    bound_value = serializers.JSONField(help_text="the federation's bound: a value, [low, high], a list or null")
    bound = serializers.CharField(help_text="the bound in words")


class RulebookSerializer(serializers.Serializer):
    coop = CoopBriefSerializer()
    version = serializers.IntegerField()
    effective_at = serializers.DateTimeField()
    parameters = ParameterSerializer(many=True)
    articles = ArticleSerializer(many=True)


class RulebookQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="the moment (ISO 8601); default now")


class CoopRulebookApi(APIView):
    """The coop's rulebook in force (public): every parameter with its value and the federation's
    bound, every article, the version and when it took effect."""

    required_scope = Scope.READ
    permission_classes = PUBLIC

    @extend_schema(operation_id="coop_rulebook", parameters=[
        OpenApiParameter("at", OpenApiTypes.DATETIME, description="the moment (default now)"),
    ], responses={200: RulebookSerializer, 400: ERROR, 404: ERROR})
    def get(self, request, slug):
        query = RulebookQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        coop = get_object_or_404(Coop, slug=slug)
        book = selectors.rulebook_in_force(coop=coop, at=query.validated_data.get("at"))
        data = {
            "coop": coop, "version": book.version, "effective_at": book.effective_at,
            "parameters": selectors.rulebook_rows(rulebook=book), "articles": book.articles,
        }
        return Response(RulebookSerializer(data).data)
