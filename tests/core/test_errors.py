"""coop/core/errors.py: a DomainError's code, message and extra, with each subclass's status
and defaults, as the API handler turns them into `{code, message, extra}`."""

from django.utils import translation

from coop.core.errors import Conflict, DomainError, Forbidden, KeyReused, NotFound


def test_defaults_and_overrides():
    error = DomainError()
    assert (error.status, error.code, error.extra) == (400, "invalid", {})
    assert error.as_dict() == {"code": "invalid", "message": "This action is not allowed.", "extra": {}}
    custom = DomainError("too_late", "The vote is closed.", {"field": "choice"})
    assert custom.as_dict() == {"code": "too_late", "message": "The vote is closed.", "extra": {"field": "choice"}}
    assert str(custom) == "The vote is closed."


def test_subclasses_carry_their_status_and_code():
    assert [(e.status, e.code) for e in (NotFound(), Forbidden(), Conflict(), KeyReused())] == [
        (404, "not_found"), (403, "forbidden"), (409, "conflict"), (409, "idempotency_key_reused")]
    assert NotFound("no_room").code == "no_room"
    assert DomainError(message="").message == ""  # an empty message is kept, not replaced


def test_the_default_message_follows_the_language():
    with translation.override("fr"):
        french = NotFound().as_dict()["message"]
    assert french != "Not found." and french
