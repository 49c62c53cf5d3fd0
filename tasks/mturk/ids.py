"""MTurk's identifiers for Atelier's things.

- HIT and HIT type ids are random (30 characters of [A-Z0-9], as MTurk's look) and stored.
- An AssignmentId is `<assignment pk>X<24 hex digits of a keyed HMAC>`: it names the
  assignment and cannot be guessed, so the frame's `externalSubmit` may trust whoever holds
  it, as MTurk does (the worker's page and the requester's server both see it).
- A WorkerId is the member's pseudonym for the organisation with MTurk's leading `A`
  (`A` + `W…`, matching MTurk's `^A[A-Z0-9]+$`)."""

import hmac
import re
import secrets
import string

from accounts.keys import secret_digest
from accounts.pseudonyms import worker_pseudonym

ALPHABET = string.ascii_uppercase + string.digits
ASSIGNMENT_RE = re.compile(r"^(\d{1,18})X([0-9A-F]{24})$")


def new_code():
    return "3" + "".join(secrets.choice(ALPHABET) for _ in range(29))


def assignment_code(assignment_id):
    return f"{assignment_id}X{secret_digest(assignment_id, purpose='mturk-assignment')[:24].upper()}"


def assignment_pk(code):
    """The assignment pk an AssignmentId names, or None if it is not one of ours."""
    match = ASSIGNMENT_RE.match(str(code or ""))
    if not match or not hmac.compare_digest(assignment_code(int(match[1])), match[0]):
        return None
    return int(match[1])


def worker_code(*, user, organisation):
    return "A" + worker_pseudonym(user=user, organisation=organisation)


def pseudonym_of(worker_id):
    worker_id = str(worker_id or "")
    return worker_id[1:] if worker_id.startswith("AW") else ""


QUALIFICATION_RE = re.compile(r"^3AQ(\d{1,18})$")


def qualification_type_code(qualification_id):
    """A QualificationTypeId: `3AQ<qualification pk>`. Qualifications are published (every
    member reads them), so the id need not be secret."""
    return f"3AQ{qualification_id}"


def qualification_pk(code):
    match = QUALIFICATION_RE.match(str(code or ""))
    return int(match[1]) if match else None
