"""An event's payload may be erased (a member leaving with erasure, issue 15), nothing else.

The guard on eventlog_event still refuses every DELETE and every UPDATE, except one that keeps
every column but the payload and the salt, empties the payload, and sets the salt to
`erased:` followed by SHA-256(old salt ‖ old payload): the payload hash the leaf commits to.
The leaf, the chain and every proof stay valid (`leaves.payload_hash` reads the kept hash),
while the payload and the salt that could confirm a guess of it are gone. PostgreSQL checks the
kept hash itself; SQLite (development) can only check the shape.

`tests/eventlog/helpers.triggers_disabled` restores these guards (`SQLITE_EVENT_GUARD`)."""

from django.db import migrations

from coop.eventlog.erasure import PG_EVENT_GUARD, SQLITE_EVENT_GUARD


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_EVENT_GUARD, params=None)
        schema_editor.execute("DROP TRIGGER IF EXISTS eventlog_event_append_only ON eventlog_event;", params=None)
        schema_editor.execute("CREATE TRIGGER eventlog_event_append_only BEFORE UPDATE OR DELETE ON eventlog_event "
                              "FOR EACH ROW EXECUTE FUNCTION eventlog_event_guard();", params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS eventlog_event_no_update;", params=None)
        schema_editor.execute(SQLITE_EVENT_GUARD, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS eventlog_event_append_only ON eventlog_event;", params=None)
        schema_editor.execute("CREATE TRIGGER eventlog_event_append_only BEFORE UPDATE OR DELETE ON eventlog_event "
                              "FOR EACH ROW EXECUTE FUNCTION atelier_refuse_change();", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS eventlog_event_guard();", params=None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS eventlog_event_no_update;", params=None)
        schema_editor.execute("CREATE TRIGGER eventlog_event_no_update BEFORE UPDATE ON eventlog_event "
                              "BEGIN SELECT RAISE(ABORT, 'eventlog_event is append-only: UPDATE refused'); END;",
                              params=None)


class Migration(migrations.Migration):
    dependencies = [("eventlog", "0005_event_without_fk_locks")]

    operations = [migrations.RunPython(forwards, backwards)]
