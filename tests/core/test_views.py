"""coop/core/views.py: the home page (signed in: the home of one's role) and the error
handlers, JSON `{code, message, extra}` under /api/ and pages elsewhere."""

import json

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.test import RequestFactory

from coop.core import views
from tests.factories import member

rf = RequestFactory()


def _body(response):
    return json.loads(response.content)


@pytest.mark.django_db
def test_home_shows_the_page_to_visitors_and_redirects_members(client):
    response = client.get("/")
    assert response.status_code == 200 and "core/home.html" in [t.name for t in response.templates]
    client.force_login(member().user)
    response = client.get("/")
    assert response.status_code == 302 and response.url != "/"


def test_bad_request_names_a_body_too_large():
    assert views.bad_request(rf.post("/api/x/"), RequestDataTooBig()).status_code == 413
    plain = views.bad_request(rf.post("/api/x/"), SuspiciousOperation())
    assert plain.status_code == 400 and _body(plain)["code"] == "bad_request"


@pytest.mark.parametrize(("handler", "exception", "status", "code"), [
    (views.permission_denied, PermissionDenied(), 403, "permission_denied"),
    (views.page_not_found, Http404(), 404, "not_found"),
])
def test_api_errors_are_json_and_page_errors_are_pages(handler, exception, status, code):
    api = handler(rf.get("/api/things/"), exception)
    body = _body(api)
    assert api.status_code == status and (body["code"], body["extra"]) == (code, {}) and body["message"]
    page = handler(rf.get("/things/"), exception)
    assert page.status_code == status and page["Content-Type"].startswith("text/html")


def test_server_error_under_the_api_is_json():
    response = views.server_error(rf.get("/api/things/"))
    assert response.status_code == 500 and _body(response)["code"] == "server_error"
    assert views.server_error(rf.get("/things/")).status_code == 500
