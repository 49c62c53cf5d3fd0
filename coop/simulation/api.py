"""Scripting members work through the member API (issue 18), in process: each claim, submission
and return is an HTTP request through Django's whole stack (middleware, `atm_` key
authentication, scopes, the member's throttle, the view, the exception handler) made with DRF's
`APIClient` (no network, no server). The product's clock (`coop.core.clock`) is the
simulation's during the request, so the services the views call stamp the simulation's time.

An answer is read as a script would read it: 201/200 and its JSON, or a refusal
`{code, message, extra}` with its status, returned as a `DomainError` of that code (a 409
`fair_share_reached`, a 409 `no_free_slot`, a 403 `not_eligible`...). Anything else (a refused
key or scope, a 5xx, a body without a code) is a fault of the simulation or the product and stops
the run."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from coop.core.errors import DomainError

# refusals that say the script itself is wrong (its key, its scopes), not the market: they stop the run
FAULTS = ("authentication_failed", "not_authenticated", "api_key_scope_missing", "permission_denied")


class ApiRefusal(DomainError):
    """The member API's refusal, as the script received it (status and body)."""

    def __init__(self, status, body):
        super().__init__(body["code"], body.get("message", ""), body.get("extra") or {})
        self.status = status


@dataclass
class Held:
    """An assignment as the member API describes it (what the script keeps of the answer)."""

    pk: int
    project_id: int
    deadline_at: datetime


class MemberApiClient:
    """One client for every scripting member; each request carries the member's own key."""

    def __init__(self):
        self.client = APIClient()
        self.statuses = {}  # (endpoint, HTTP status) -> count, for the run's log

    def _post(self, endpoint, path, secret, data=None):
        response = self.client.post(path, data, format="json", secure=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.statuses[(endpoint, response.status_code)] = self.statuses.get((endpoint, response.status_code), 0) + 1
        body = response.json()
        if response.status_code in (200, 201):
            return Held(pk=body["id"], project_id=body["project"], deadline_at=parse_datetime(body["deadline_at"]))
        if 400 <= response.status_code < 500 and body.get("code") not in (None, *FAULTS):
            return ApiRefusal(response.status_code, body)
        raise RuntimeError(f"member API {endpoint}: HTTP {response.status_code} {body}")

    def claim(self, *, secret, project_id):
        """POST /api/projects/<id>/claim/: the new assignment, or the refusal."""
        return self._post("claim", reverse("tasks-api:project_claim", args=[project_id]), secret)

    def submit(self, *, secret, assignment_id, answers):
        """POST /api/work/assignments/<id>/submit/ with the answers."""
        return self._post("submit", reverse("tasks-api:work_submit", args=[assignment_id]), secret,
                          {"answers": answers})

    def give_back(self, *, secret, assignment_id):
        """POST /api/work/assignments/<id>/return/."""
        return self._post("return", reverse("tasks-api:work_return", args=[assignment_id]), secret)
