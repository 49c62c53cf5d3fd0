"""One error shape for every API error: {"code", "message", "extra"}."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.errors import Conflict, DomainError, Forbidden, NotFound


class AmountSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)


RAISES = {
    "domain": DomainError("insufficient_funds", "Not enough money.", {"balance": 5}),
    "forbidden": Forbidden("not_a_steward", "Stewards only."),
    "notfound": NotFound(),
    "conflict": Conflict("already_claimed", "Someone else claimed it."),
    "django404": Http404("gone"),
    "django403": PermissionDenied(),
    "djangovalidation": DjangoValidationError({"amount": ["Too big."]}),
}


class Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request, kind):
        raise RAISES[kind]

    def post(self, request, kind):
        AmountSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({})


class Private(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [path("boom/<str:kind>/", Boom.as_view()), path("private/", Private.as_view())]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.test_api")]


@pytest.mark.parametrize("kind, status, body", [
    ("domain", 400, {"code": "insufficient_funds", "message": "Not enough money.", "extra": {"balance": 5}}),
    ("forbidden", 403, {"code": "not_a_steward", "message": "Stewards only.", "extra": {}}),
    ("notfound", 404, {"code": "not_found", "message": "Not found.", "extra": {}}),
    ("conflict", 409, {"code": "already_claimed", "message": "Someone else claimed it.", "extra": {}}),
    ("django404", 404, {"code": "not_found", "message": "Not found.", "extra": {}}),
    ("django403", 403, {"code": "permission_denied", "message": "You do not have permission to perform this action.",
                        "extra": {}}),
    ("djangovalidation", 400, {"code": "invalid", "message": "Too big.", "extra": {"amount": ["Too big."]}}),
])
def test_errors_have_one_shape(client, kind, status, body):
    response = client.get(f"/boom/{kind}/")
    assert response.status_code == status
    assert response.json() == body


@pytest.mark.parametrize("data, extra", [
    ({}, {"amount": ["This field is required."]}),
    ({"amount": "lots"}, {"amount": ["A valid integer is required."]}),
    ({"amount": 0}, {"amount": ["Ensure this value is greater than or equal to 1."]}),
])
def test_serializer_validation_errors_have_the_shape(client, data, extra):
    response = client.post("/boom/x/", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "Invalid input.", "extra": extra}


def test_unauthenticated_has_the_shape(client):
    response = client.get("/private/")
    assert response.status_code == 403
    assert response.json() == {"code": "not_authenticated",
                               "message": "Authentication credentials were not provided.", "extra": {}}


def test_malformed_json_has_the_shape(client):
    response = client.post("/boom/x/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error" and set(response.json()) == {"code", "message", "extra"}
