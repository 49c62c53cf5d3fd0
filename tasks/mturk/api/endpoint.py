"""The endpoint: `POST /mturk/` speaking MTurk's requester API (docs/mturk.md).

Authentication is AWS Signature Version 4 (`MturkSignatureAuthentication`, tasks/mturk/sigv4.py)
and the key's scopes are held by `coop.federation.access.HasKeyScope`, like every API view:
`required_scope` is the scope of the operation named by `X-Amz-Target` (`SCOPES`). Every error
leaves in the SDK's shape (`protocol.error_response`); an operation of the model that Atelier
does not run answers a RequestError naming it."""

import json
import logging
from dataclasses import dataclass
from functools import cache

from botocore.loaders import Loader
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts.requesters.sandbox import sandbox_open
from accounts.services import api_key_mark_used
from accounts.throttles import ApiKeyFailureThrottle
from coop.core.db import retry_transaction
from coop.core.errors import DomainError
from coop.federation.access import HasKeyScope, Scope
from tasks.mturk.api.hits import (
    approve_assignment,
    create_additional_assignments_for_hit,
    create_hit,
    create_hit_type,
    create_hit_with_hit_type,
    create_worker_block,
    delete_hit,
    delete_worker_block,
    get_account_balance,
    get_assignment,
    get_hit,
    list_assignments_for_hit,
    list_bonus_payments,
    list_hits,
    list_reviewable_hits,
    list_worker_blocks,
    notify_workers,
    reject_assignment,
    send_bonus,
    update_expiration_for_hit,
    update_hit_review_status,
)
from tasks.mturk.api.qualifications import NOT_RUN_BECAUSE, QUALIFICATION_OPERATIONS
from tasks.mturk.protocol import TARGET_PREFIX, MturkError, error_response, json_response
from tasks.mturk.sigv4 import SignatureError, verify

log = logging.getLogger(__name__)


@cache
def model_operations():
    """The operation names of botocore's `mturk` 2017-01-17 model."""
    return frozenset(Loader().load_service_model("mturk", "service-2", api_version="2017-01-17")["operations"])


class MturkSignatureAuthentication(BaseAuthentication):
    """SigV4 with an Atelier API key: request.user is the key's creator, request.auth the key.
    Failures count towards the per-IP key-failure throttle, as Bearer keys do."""

    def authenticate(self, request):
        django_request = request._request
        failures = ApiKeyFailureThrottle()
        if failures.blocked(request):
            raise exceptions.Throttled(wait=failures.wait())
        try:
            key = verify(django_request)
        except SignatureError:
            failures.record(request)
            raise
        if key.organisation.is_suspended:
            raise MturkError(f"This organisation is suspended by the federation. Reason: "
                             f"{key.organisation.suspended_reason}", "Atelier.OrganisationSuspended", status=403)
        api_key_mark_used(key=key)
        return key.created_by, key

    def authenticate_header(self, request):
        return "AWS4-HMAC-SHA256"


OPERATIONS = {
    **QUALIFICATION_OPERATIONS,
    "GetAccountBalance": (Scope.READ, get_account_balance, False),
    "CreateHIT": (Scope.PROJECTS, create_hit, True),
    "CreateHITType": (Scope.PROJECTS, create_hit_type, True),
    "CreateHITWithHITType": (Scope.PROJECTS, create_hit_with_hit_type, True),
    "GetHIT": (Scope.READ, get_hit, False),
    "ListHITs": (Scope.READ, list_hits, False),
    "ListAssignmentsForHIT": (Scope.READ, list_assignments_for_hit, False),
    "GetAssignment": (Scope.READ, get_assignment, False),
    "ApproveAssignment": (Scope.REVIEW, approve_assignment, True),
    "RejectAssignment": (Scope.REVIEW, reject_assignment, True),
    "SendBonus": (Scope.REVIEW, send_bonus, True),
    "ListBonusPayments": (Scope.READ, list_bonus_payments, False),
    "CreateWorkerBlock": (Scope.REVIEW, create_worker_block, True),
    "DeleteWorkerBlock": (Scope.REVIEW, delete_worker_block, True),
    "ListWorkerBlocks": (Scope.READ, list_worker_blocks, False),
    "ListReviewableHITs": (Scope.READ, list_reviewable_hits, False),
    "UpdateExpirationForHIT": (Scope.PROJECTS, update_expiration_for_hit, True),
    "DeleteHIT": (Scope.PROJECTS, delete_hit, True),
    "CreateAdditionalAssignmentsForHIT": (Scope.PROJECTS, create_additional_assignments_for_hit, True),
    "UpdateHITReviewStatus": (Scope.REVIEW, update_hit_review_status, True),
    "NotifyWorkers": (Scope.REVIEW, notify_workers, True),
}


@retry_transaction
def _run_write(fn, key, params):
    with transaction.atomic():
        return fn(key, params)


@extend_schema_view(get=extend_schema(exclude=True), post=extend_schema(exclude=True))
class MturkApi(APIView):
    """One URL for every operation, as MTurk's endpoint. Not in the OpenAPI schema: its
    description is botocore's service model `mturk` 2017-01-17 (docs/mturk.md)."""

    authentication_classes = [MturkSignatureAuthentication]
    permission_classes = [IsAuthenticated, HasKeyScope]

    def _operation(self, request):
        target = request.headers.get("X-Amz-Target", "")
        if not target.startswith(TARGET_PREFIX):
            raise MturkError("X-Amz-Target must be MTurkRequesterServiceV20170117.<Operation>.",
                             "Atelier.UnknownOperation")
        name = target[len(TARGET_PREFIX):]
        if name not in OPERATIONS:
            if name in model_operations():
                why = NOT_RUN_BECAUSE.get(name, "docs/mturk.md lists those it runs")
                raise MturkError(f"Atelier does not support the operation {name} ({why}).",
                                 "Atelier.OperationNotSupported")
            raise MturkError(f"There is no operation {name} in the MTurk requester API.", "Atelier.UnknownOperation")
        return name

    @property
    def required_scope(self):
        """The scope of the operation named by X-Amz-Target (read by HasKeyScope)."""
        return OPERATIONS[self._operation(self.request)][0]

    def post(self, request):
        name = self._operation(request)
        _scope, fn, writes = OPERATIONS[name]
        try:
            params = json.loads(request._request.body or b"{}")
        except ValueError:
            raise MturkError("The body is not JSON.", "Atelier.MalformedBody")
        if not isinstance(params, dict):
            raise MturkError("The body must be a JSON object.", "Atelier.MalformedBody")
        key = self.acting_key(request.auth)
        result = _run_write(fn, key, params) if writes else fn(key, params)
        return json_response(result)

    def acting_key(self, key):
        """The key the operations act with: here, a key of the real world only."""
        if key.organisation.sandbox_of_id is not None:
            raise MturkError("This key acts in your organisation's sandbox: use the endpoint <host>/mturk/sandbox/.",
                             "Atelier.SandboxKey", status=403)
        return key

    def get(self, request):
        raise MturkError("The MTurk API takes POST requests (the AWS SDK sends them).", "Atelier.MethodNotAllowed",
                         status=405)

    def handle_exception(self, exc):
        if isinstance(exc, MturkError):
            return error_response(exc)
        if isinstance(exc, SignatureError):
            return error_response(MturkError(exc.message, exc.code, status=403))
        if isinstance(exc, RequestDataTooBig):
            return error_response(MturkError("The request body is too large.", "Atelier.BodyTooLarge", status=413))
        if isinstance(exc, DomainError):  # the key's scope (HasKeyScope), a rule of a service
            message = str(exc.message)
            extra = exc.extra if isinstance(exc.extra, dict) else {}
            if "required" in extra:
                message += (f" This operation needs the '{extra['required']}' scope; the key has: "
                            f"{', '.join(extra.get('scopes') or []) or 'none'}.")
            return error_response(MturkError(message, f"Atelier.{exc.code}", status=403 if exc.status == 403 else 400))
        if isinstance(exc, exceptions.Throttled):
            return error_response(MturkError(f"Too many requests: try again in {int(exc.wait or 1)} seconds.",
                                             "Atelier.Throttled", status=429))
        if isinstance(exc, exceptions.MethodNotAllowed):
            return error_response(MturkError("The MTurk API takes POST requests.", "Atelier.MethodNotAllowed",
                                             status=405))
        if isinstance(exc, exceptions.APIException):
            return error_response(MturkError(str(exc.detail), "Atelier.Refused",
                                             status=403 if exc.status_code in (401, 403) else 400))
        log.exception("mturk: %s failed", self.request.headers.get("X-Amz-Target", "?"))
        return error_response(MturkError("Atelier could not complete the request; try again later.",
                                         "Atelier.ServiceFault", fault=True))


@dataclass(frozen=True)
class SandboxActing:
    """A real key at the sandbox endpoint acts, like MTurk's sandbox, with the same credentials
    in the organisation's sandbox: as its twin organisation and the key creator's persona."""

    organisation: object
    created_by: object
    key: object

    @property
    def organisation_id(self):
        return self.organisation.pk


class MturkSandboxApi(MturkApi):
    """`POST /mturk/sandbox/`: MTurk's requester sandbox (docs/sandbox.md). The same operations in
    the organisation's sandbox world: test money, work done by its staff's personas. A sandbox
    key acts as it is; a real key acts as the organisation's sandbox (opened on first use)."""

    def acting_key(self, key):
        if key.organisation.sandbox_of_id is not None:
            return key
        try:
            sandbox = sandbox_open(actor=key.created_by, organisation=key.organisation)
        except DomainError as exc:
            raise MturkError(str(exc.message), f"Atelier.{exc.code}", status=403)
        return SandboxActing(organisation=sandbox.organisation, created_by=sandbox.persona, key=key)
