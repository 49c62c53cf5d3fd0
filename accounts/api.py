"""A member's data rights over the API (session only: an API key acts for a requester
organisation, never for a member): "Download my data" as a job with a status, and leaving the
federation with erasure. docs/security.md "Members' data rights"."""

from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import DataExport
from coop.core.api import ERROR
from coop.core.errors import Conflict


class DataExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(DataExport.Status.values)
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    progress_pct = serializers.IntegerField()
    size = serializers.IntegerField(help_text="bytes of the ZIP once ready")
    download = serializers.CharField(allow_null=True, help_text="the ZIP's URL once ready")


def _export_out(export, request):
    ready = export.status == DataExport.Status.READY and export.size
    return DataExportSerializer({
        "id": export.pk, "status": export.status, "requested_at": export.requested_at,
        "finished_at": export.finished_at, "progress_pct": export.progress_pct, "size": export.size,
        "download": reverse("accounts-api:data_export_download", args=[export.pk], request=request)
        if ready else None}).data


class MemberApi(APIView):
    required_scope = None  # a person's own: never by API key

    authentication_classes = [SessionAuthentication]


class DataExportListApi(MemberApi):
    @extend_schema(operation_id="me_data_exports", responses={200: DataExportSerializer(many=True), 403: ERROR},
                   tags=["data rights"], summary="My data exports, newest first")
    def get(self, request):
        return Response([_export_out(e, request) for e in selectors.data_exports_of(user=request.user)[:20]])

    @extend_schema(operation_id="me_data_export_request", request=None,
                   responses={202: DataExportSerializer, 403: ERROR}, tags=["data rights"],
                   summary="Download my data: queue a ZIP (JSON and CSV) of everything about me")
    def post(self, request):
        export = services.data_export_request(user=request.user)
        export = selectors.data_exports_of(user=request.user).get(pk=export.pk)
        return Response(_export_out(export, request), status=status.HTTP_202_ACCEPTED)


def _mine(request, pk):
    return get_object_or_404(selectors.data_exports_of(user=request.user), pk=pk)


class DataExportDetailApi(MemberApi):
    @extend_schema(operation_id="me_data_export", responses={200: DataExportSerializer, 403: ERROR, 404: ERROR},
                   tags=["data rights"], summary="One of my data exports (poll until ready)")
    def get(self, request, pk):
        return Response(_export_out(_mine(request, pk), request))


class DataExportDownloadApi(MemberApi):
    @extend_schema(operation_id="me_data_export_download",
                   responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="the ZIP"),
                              403: ERROR, 404: ERROR, 409: ERROR},
                   tags=["data rights"], summary="The ZIP of a ready export")
    def get(self, request, pk):
        return data_export_response(_mine(request, pk))


def data_export_response(export):
    """The ZIP of a ready export (shared by the page and the API), or a 409 while it is not."""
    content = DataExport.objects.filter(pk=export.pk).values_list("content", flat=True).first()
    if export.status != DataExport.Status.READY or not content:
        raise Conflict("export_not_ready", _("This export is not ready (or a newer one replaced it)."),
                       {"status": export.status})
    response = HttpResponse(bytes(content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="atelier-my-data-{export.pk}.zip"'
    return response


class ErasureInput(serializers.Serializer):
    password = serializers.CharField(max_length=256, help_text="your password, to confirm")
    donate_balance = serializers.BooleanField(
        default=False, help_text="give what is left in your wallet to your coop's treasury first")


class MemberErasureApi(MemberApi):
    @extend_schema(operation_id="me_erasure", request=ErasureInput, responses={
        200: inline_serializer("Erased", {"erased": serializers.BooleanField()}),
        400: ERROR, 403: ERROR, 409: ERROR}, tags=["data rights"],
        summary="Leave the federation and erase my personal data (irreversible)")
    def post(self, request):
        data = ErasureInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.member_erase(user=request.user, password=data.validated_data["password"],
                              donate=data.validated_data["donate_balance"])
        logout(request._request)
        return Response({"erased": True})
