"""Erasing event payloads (issue 15: a member leaving the federation with erasure).

A leaf commits to SHA-256(salt ‖ payload), never to the payload itself (DESIGN.md seam 10).
Erasing an event keeps that hash in the row (`salt` becomes `erased:` + the 32-byte hash) and
empties the payload: the leaf, the chain and every proof still verify, and no one can read the
payload or confirm a guess of it any more. The database guard allows exactly this change
(migration 0006) and nothing else."""

import hashlib

from django.db import connection

from coop.eventlog.leaves import ERASED
from coop.eventlog.models import Event

PG_EVENT_GUARD = """
CREATE OR REPLACE FUNCTION eventlog_event_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.type = OLD.type AND NEW.coop_id IS NOT DISTINCT FROM OLD.coop_id
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.subject_type = OLD.subject_type
       AND NEW.subject_id = OLD.subject_id AND NEW.occurred_at = OLD.occurred_at
       AND NEW.txid IS NOT DISTINCT FROM OLD.txid
       AND octet_length(OLD.payload) > 0 AND octet_length(NEW.payload) = 0
       AND NEW.salt = convert_to('erased:', 'UTF8') || sha256(OLD.salt || OLD.payload) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_EVENT_GUARD = (
    "CREATE TRIGGER eventlog_event_no_update BEFORE UPDATE ON eventlog_event "
    "WHEN NOT (NEW.id = OLD.id AND NEW.type = OLD.type AND NEW.coop_id IS OLD.coop_id "
    "AND NEW.actor_id IS OLD.actor_id AND NEW.subject_type = OLD.subject_type AND NEW.subject_id = OLD.subject_id "
    "AND NEW.occurred_at = OLD.occurred_at AND NEW.txid IS OLD.txid AND length(OLD.payload) > 0 "
    "AND length(NEW.payload) = 0 AND length(NEW.salt) = 39 AND substr(NEW.salt, 1, 7) = CAST('erased:' AS BLOB)) "
    "BEGIN SELECT RAISE(ABORT, 'eventlog_event is append-only: UPDATE refused'); END;"
)

MEMBER_KEYS = ("actor", "member", "user", "author", "appellant", "juror")


def events_naming(*, user_id, subjects=()):
    """Ids of the events that name a member: as actor, as subject (`subjects`: (type, id)
    pairs), or under a member key of the payload (canonical JSON: `"user":12,` or `"user":12}`).
    The payload search reads the whole table: erasure is rare."""
    ids = set(Event.objects.filter(actor_id=user_id).values_list("pk", flat=True))
    for subject_type, subject_id in subjects:
        ids.update(Event.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
                   .values_list("pk", flat=True))
    patterns = [f'%"{key}":{int(user_id)}{end}%' for key in MEMBER_KEYS for end in (",", "}")]
    if connection.vendor == "postgresql":
        text, length = "convert_from(payload, 'UTF8')", "octet_length(payload)"
    else:
        text, length = "CAST(payload AS TEXT)", "length(payload)"
    where = " OR ".join([f"{text} LIKE %s"] * len(patterns))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM eventlog_event WHERE {length} > 0 AND ({where})", patterns)
        ids.update(pk for (pk,) in cursor.fetchall())
    return sorted(ids)


def event_payloads_erase(*, event_ids):
    """Erase the payloads of these events (those not erased yet); returns how many. Runs in the
    caller's transaction (the member's erasure)."""
    ids = sorted(int(pk) for pk in event_ids)
    if not ids:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE eventlog_event SET salt = convert_to('erased:', 'UTF8') || sha256(salt || payload), "
                           "payload = ''::bytea WHERE id = ANY(%s) AND octet_length(payload) > 0", [ids])
            return cursor.rowcount
        done = 0
        for pk, salt, payload in Event.objects.filter(pk__in=ids).values_list("pk", "salt", "payload"):
            payload = bytes(payload)
            if not payload:
                continue
            digest = hashlib.sha256(bytes(salt) + payload).digest()
            cursor.execute("UPDATE eventlog_event SET salt = %s, payload = %s WHERE id = %s",
                           [ERASED + digest, b"", pk])
            done += 1
        return done
