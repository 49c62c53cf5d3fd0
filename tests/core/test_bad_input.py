"""Bad input (issue 15, leak 11): never a 500, and under /api/ always `{code, message, extra}`
JSON with the right status (400, 404, 413, 415); pages answer 400/413 with a clear message."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CoopFactory, member, organisation

pytestmark = pytest.mark.django_db

DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


def assert_api_error(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "extra"}, body
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def owner(client):
    org = organisation()
    client.force_login(org.owner)
    return org


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, "[" * 200 + "]" * 200])
def test_deeply_nested_json_is_a_400_parse_error(client, owner, body):
    response = client.post("/api/qualifications/", body, content_type="application/json")
    assert_api_error(response, 400, "parse_error")


def test_json_with_a_null_character_is_a_400(client, owner):
    response = client.post("/api/qualifications/", json.dumps({"name": "a\x00b", "rule": {"x\x00": 1}}),
                           content_type="application/json")
    assert_api_error(response, 400)


def test_a_null_character_in_the_query_string_is_a_400(client, owner):
    response = client.get("/api/qualifications/?coop=a%00b")
    body = assert_api_error(response, 400, "null_character")
    assert body["extra"] == {"field": "coop"}


def test_an_oversized_body_is_a_413(client, owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/qualifications/", json.dumps({"name": "x" * 2000}), content_type="application/json")
    assert_api_error(response, 413, "too_large")


def test_an_unsupported_media_type_is_a_415(client, owner):
    response = client.post("/api/qualifications/", "name=x", content_type="text/plain")
    assert_api_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", ["/api/qualifications/abc/", "/api/nothing-here/", "/api/coops/a%2Fb/",
                                  "/api/qualifications/99999999999999999999999/"])
def test_an_unknown_api_path_is_a_json_404(client, owner, path):
    assert_api_error(client.get(path), 404, "not_found")


def test_a_null_character_in_an_api_path_is_a_json_400(client, owner):
    assert_api_error(client.get("/api/coops/%00/"), 400, "null_character")


def test_an_api_method_not_allowed_is_json(client, owner):
    assert_api_error(client.delete("/api/qualifications/"), 405)


def test_api_without_a_session_or_a_bad_host_is_json():
    assert_api_error(Client().get("/api/nothing-here/"), 404, "not_found")
    assert_api_error(Client().get("/api/qualifications/", HTTP_HOST="evil.example"), 400, "bad_request")


# --- pages --------------------------------------------------------------------------------

def test_a_null_character_in_a_page_query_is_a_400_with_a_message(client):
    client.force_login(member(CoopFactory()).user)
    response = client.get(reverse("tasks:feed") + "?page=1%00")
    assert response.status_code == 400
    assert "null character" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_a_null_character_in_a_form_is_a_field_error_that_keeps_the_input(client):
    user = member(CoopFactory()).user
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"display_name": "a\x00b", "country": "MG"})
    assert response.status_code == 200 and "Null characters are not allowed." in response.content.decode()
    assert response.context["form"].data["country"] == "MG"
    user.profile.refresh_from_db()
    assert "\x00" not in user.profile.display_name


def test_an_oversized_page_form_is_a_413_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(member(CoopFactory()).user)
    response = client.post(reverse("accounts:profile"), {"display_name": "x" * 2000})
    assert response.status_code == 413 and "too large" in response.content.decode()


def test_deep_json_in_the_requester_form_builder_is_a_form_error(client, owner):
    from tests.factories import CoopFactory as Coops

    coop = Coops()
    response = client.post(reverse("tasks:requester_project_create") + f"?org={owner.pk}", {
        "org": owner.pk, "coop": coop.pk, "title": "Deep", "category": "transcription", "instructions": "x",
        "reward": "0.60", "estimated_minutes": "3", "assignments_per_task": "1", "time_limit_minutes": "30",
        "auto_approval_hours": "48", "question_form": DEEP})
    assert response.status_code == 200
    assert "This is not valid JSON" in response.content.decode()


def test_an_unknown_page_is_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
