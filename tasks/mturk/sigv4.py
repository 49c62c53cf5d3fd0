"""Checking an AWS Signature Version 4 on a request to the MTurk-compatible API.

The expected signature is computed by botocore's own signer (`botocore.auth.SigV4Auth`: the
canonical request, the string to sign and the HMAC chain), fed with what the client said it
signed: the headers it lists in `SignedHeaders`, its `X-Amz-Date`, the region of its
credential scope, and the body as received. We check around it what the signer cannot:

- the scheme is AWS4-HMAC-SHA256 and the scope is `<date>/<region>/mturk-requester/aws4_request`
  with the date of `X-Amz-Date`;
- `X-Amz-Date` is within `MAX_SKEW` of our clock (a replay window of five minutes);
- `host`, `x-amz-date` and `x-amz-target` are among the signed headers;
- an `X-Amz-Content-SHA256` header, if sent, is the body's real hash (botocore would trust it);
- the access key id is an API key's public prefix, the key is not revoked, its secret can be
  unsealed (keys made before sealing cannot sign: docs/mturk.md) and hashes to the stored hash.

`verify(request)` returns the `ApiKey` or raises `SignatureError` (a RequestError for the SDK).
Messages are in English, as every message of this API (its callers are scripts)."""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from accounts.keys import secret_digest, secret_unseal
from accounts.models import ApiKey

SERVICE = "mturk-requester"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)
REQUIRED_SIGNED = {"host", "x-amz-date", "x-amz-target"}
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$")
DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class SignatureError(Exception):
    """A request whose signature cannot be accepted; `code` is the TurkErrorCode."""

    def __init__(self, code, message):
        self.code, self.message = code, message
        super().__init__(message)


def _header(request, name):
    return request.META.get("HTTP_" + name.upper().replace("-", "_")) if name.lower() not in (
        "content-type", "content-length") else request.META.get(name.upper().replace("-", "_"))


def verify(request, *, now=None):
    now = now or datetime.now(UTC)
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    match = AUTH_RE.match(auth.strip())
    if not match:
        raise SignatureError("Atelier.MissingSignature", (
            "Sign the request with AWS Signature Version 4 (the AWS SDK does): use an Atelier API key's "
            "prefix as the access key id and the whole key (atl_…) as the secret access key."))
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[3] != SERVICE or parts[4] != "aws4_request":
        raise SignatureError("Atelier.InvalidCredentialScope",
                             "The credential scope must be <access key>/<date>/<region>/mturk-requester/aws4_request.")
    access_key, scope_date, region = parts[0], parts[1], parts[2]
    amz_date = _header(request, "x-amz-date") or ""
    if not DATE_RE.match(amz_date):
        raise SignatureError("Atelier.MissingDate", "The X-Amz-Date header is missing or malformed.")
    if amz_date[:8] != scope_date:
        raise SignatureError("Atelier.InvalidCredentialScope",
                             "The date of the credential scope is not the date of X-Amz-Date.")
    signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if abs(now - signed_at) > MAX_SKEW:
        raise SignatureError("Atelier.RequestExpired", (
            f"The request was signed at {amz_date}, more than 5 minutes from the server's time "
            f"{now.strftime('%Y%m%dT%H%M%SZ')}: check the clock and send it again."))
    signed = match["signed"].split(";")
    if signed != sorted(set(signed)) or not REQUIRED_SIGNED <= set(signed):
        raise SignatureError("Atelier.InvalidSignedHeaders",
                             "SignedHeaders must be sorted and include host, x-amz-date and x-amz-target.")
    body = request.body
    declared = _header(request, "x-amz-content-sha256")
    if declared is not None and not hmac.compare_digest(declared, hashlib.sha256(body).hexdigest()):
        raise SignatureError("Atelier.BodyHashMismatch", "X-Amz-Content-SHA256 is not the hash of the body.")
    key = _key(access_key)
    secret = secret_unseal(key.secret_sealed)
    if not secret or not hmac.compare_digest(secret_digest(secret), key.secret_hash):
        raise SignatureError("Atelier.KeyNotUsableForSignature", (
            "This API key was created before Atelier accepted AWS signatures, so it cannot sign: "
            "create a new key on the organisation's API keys page."))
    headers = {}
    for name in signed:
        value = request.META.get("HTTP_HOST") if name == "host" else _header(request, name)
        if value is None:
            raise SignatureError("Atelier.InvalidSignedHeaders", f"A signed header is missing: {name}.")
        headers[name] = value
    # botocore's signer, given exactly what the client signed
    scheme = "https" if request.is_secure() else "http"
    query = request.META.get("QUERY_STRING", "")
    url = f"{scheme}://{headers['host']}{request.path}" + (f"?{query}" if query else "")
    aws_request = AWSRequest(method=request.method, url=url, headers=headers, data=body)
    aws_request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret), SERVICE, region)
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError("Atelier.SignatureDoesNotMatch", (
            "The request signature does not match: check the secret access key (the whole atl_… key) and "
            "that nothing changed the request after signing."))
    return key


def _key(access_key):
    key = None
    if re.fullmatch(r"[a-z2-7]{8}", access_key or ""):
        key = ApiKey.objects.select_related("organisation", "created_by").filter(prefix=access_key).first()
    if key is None:
        raise SignatureError("Atelier.UnknownAccessKey", "No Atelier API key has this access key id.")
    if key.revoked_at is not None or not key.created_by.is_active:
        raise SignatureError("Atelier.KeyRevoked", "This API key was revoked.")
    return key
