"""What a leaf of the log is, and how the chain links leaves. Pure Python (no Django), shared
by the sequencer, `verify_events` and the standalone verifier. docs/eventlog.md describes it.

envelope    = canonical JSON (RFC 8785) of {"coop", "payload_hash", "position", "subject_id",
              "subject_type", "time", "type"}  (no actor: the actor is in the payload)
payload_hash = SHA-256(salt ‖ payload bytes), hex; an erased payload (empty) keeps it in its
              salt: salt = b"erased:" ‖ payload_hash (coop.eventlog.erasure)
leaf hash   = SHA-256(0x00 ‖ envelope)            (RFC 9162 leaf hash)
chain hash  = SHA-256(previous chain hash ‖ leaf hash), the one before position 1 is 32 zero bytes
"""

import hashlib
import json

from coop.eventlog.merkle import leaf_hash

GENESIS = bytes(32)
_sha = hashlib.sha256
_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


def _string(value: str) -> str:
    # Fast path for the usual short ASCII codes; json.dumps(ensure_ascii=False) otherwise, which
    # escapes exactly what RFC 8785 escapes.
    if _SAFE.issuperset(value):
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=False)


ERASED = b"erased:"
_ERASED_SALT_LENGTH = len(ERASED) + 32


def payload_hash(salt: bytes, payload: bytes) -> bytes:
    salt = bytes(salt)
    if not len(payload) and len(salt) == _ERASED_SALT_LENGTH and salt.startswith(ERASED):
        return salt[len(ERASED):]
    return _sha(salt + bytes(payload)).digest()


def is_erased(payload) -> bool:
    """A payload erased when its member left: only its salted hash remains (in the salt)."""
    return not len(payload)


def envelope_bytes(*, position, time, coop, type, subject_type, subject_id, payload_hash_hex) -> bytes:
    """The canonical envelope. Keys are written in RFC 8785 order (sorted by UTF-16 units)."""
    coop_json = "null" if coop is None else str(int(coop))
    return (
        '{"coop":' + coop_json
        + ',"payload_hash":"' + payload_hash_hex
        + '","position":' + str(int(position))
        + ',"subject_id":' + _string(subject_id)
        + ',"subject_type":' + _string(subject_type)
        + ',"time":' + str(int(time))
        + ',"type":' + _string(type) + "}"
    ).encode("utf-8")


def envelope(*, position, time, coop, type, subject_type, subject_id, payload_hash_hex) -> dict:
    return {"coop": coop, "payload_hash": payload_hash_hex, "position": position, "subject_id": subject_id,
            "subject_type": subject_type, "time": time, "type": type}


def leaf_of(*, position, time, coop, type, subject_type, subject_id, payload_hash_hex) -> bytes:
    """The RFC 9162 leaf hash of one event's envelope."""
    return leaf_hash(envelope_bytes(position=position, time=time, coop=coop, type=type,
                                    subject_type=subject_type, subject_id=subject_id,
                                    payload_hash_hex=payload_hash_hex))


def chain_next(previous: bytes, leaf: bytes) -> bytes:
    return _sha(previous + leaf).digest()
