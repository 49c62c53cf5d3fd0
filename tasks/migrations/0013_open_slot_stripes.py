"""Issue 18: a project's count of open slots leaves the project's row for OpenSlotStripe, 16 rows
per project (tasks/models.py says why: every claim of a batch held the project's row from its
decrement to its COMMIT, so a project's claims passed one at a time). The stripes are filled from
the open slots as they are, the column goes, and `atelier_claim` (migration 0011) takes no lock on
the project's row any more: it decrements its slot's stripe last."""

import importlib

from django.db import migrations, models

PostgresRunSQL = importlib.import_module("tasks.migrations.0011_claim_submit_functions").PostgresRunSQL

# every open slot counted in its stripe (slot id % 16), on PostgreSQL and SQLite alike
FILL = """INSERT INTO tasks_openslotstripe (project_id, stripe, count)
SELECT project_id, id % 16, COUNT(*) FROM tasks_slot WHERE status = 'open' GROUP BY project_id, id % 16"""

CLAIM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION atelier_claim(
    p_member bigint, p_project bigint, p_coop bigint, p_now timestamptz, p_rulebook integer,
    p_max_open integer, p_salt bytea, p_occurred bigint,
    OUT outcome text, OUT assignment_id bigint, OUT slot_id bigint, OUT task_id bigint,
    OUT deadline timestamptz, OUT rulebook integer, OUT cap integer, OUT until timestamptz, OUT event_id bigint,
    OUT membership bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_membership bigint;
    v_status text;
    v_org bigint;
    v_limit integer;
    v_fair_open boolean;
    v_open integer;
    v_flags jsonb;
    v_consent jsonb;
    v_held integer;
    v_want boolean;
    v_missing boolean;
    v_blocked boolean;
BEGIN
    -- 1. The member's lock, alone (coop.federation.locks.membership_for_update): claims by one
    -- member queue here. What is counted under it is read by the next statement, which in READ
    -- COMMITTED takes a new snapshot, as the Python path's next round trip does.
    SELECT m.id INTO v_membership FROM federation_membership m
     WHERE m.user_id = p_member AND m.coop_id = p_coop AND m.status = 'active'
     ORDER BY m.id LIMIT 1 FOR NO KEY UPDATE OF m;
    IF v_membership IS NULL THEN
        outcome := 'not_a_member';
        RETURN;
    END IF;
    membership := v_membership;
    -- 2. The claim's context (tasks.selectors.CLAIM_CONTEXT_SQL), and what the registered checks
    -- that say so (`in_database`) would refuse: a required qualification not held, a block.
    SELECT p.status, p.organisation_id, p.time_limit_minutes,
           (p.fair_share_until IS NOT NULL AND p.fair_share_cap IS NOT NULL AND p.fair_share_until > p_now),
           p.fair_share_cap, p.fair_share_until, p.data_flags,
           (SELECT COUNT(*) FROM tasks_assignment a
             WHERE a.member_id = p_member AND a.status IN ('claimed', 'revision_requested')),
           (SELECT c.flags FROM tasks_dataconsent c WHERE c.member_id = p_member AND c.project_id = p.id),
           (SELECT v.number FROM federation_rulebookversion v
             WHERE v.coop_id = p.coop_id AND v.effective_at <= p_now ORDER BY v.number DESC LIMIT 1),
           (SELECT COUNT(*) FROM tasks_assignment h
             WHERE h.member_id = p_member AND h.project_id = p.id AND h.status NOT IN ('returned', 'expired')
               AND (p.batch_opened_at IS NULL OR h.claimed_at >= p.batch_opened_at)),
           CASE WHEN p.gold_rate_pct > 0 THEN (
             SELECT 100 * COALESCE(SUM(CASE WHEN gs.is_gold THEN 1 ELSE 0 END), 0) < p.gold_rate_pct * (COUNT(*) + 1)
               FROM tasks_assignment g JOIN tasks_slot gs ON gs.id = g.slot_id
              WHERE g.member_id = p_member AND g.project_id = p.id AND g.status NOT IN ('returned', 'expired'))
           END,
           EXISTS (SELECT 1 FROM qualifications_projectrequirement r
                    WHERE r.project_id = p.id AND NOT EXISTS (
                        SELECT 1 FROM qualifications_qualificationgrant q
                         WHERE q.member_id = p_member AND q.qualification_id = r.qualification_id
                           AND q.revoked_at IS NULL)),
           EXISTS (SELECT 1 FROM mturk_workerblock b
                    WHERE b.member_id = p_member AND b.organisation_id = p.organisation_id)
      INTO v_status, v_org, v_limit, v_fair_open, cap, until, v_flags, v_open, v_consent, rulebook, v_held, v_want,
           v_missing, v_blocked
      FROM tasks_project p WHERE p.id = p_project AND p.coop_id = p_coop;
    IF NOT FOUND THEN
        outcome := 'not_a_member';
        RETURN;
    END IF;
    IF v_status <> 'open' THEN
        outcome := 'project_not_open';
        RETURN;
    END IF;
    -- the caller checked the banned data and the open cap against this rulebook: another one in
    -- force (just adopted), a reason to refuse, and the Python path decides and words it
    IF rulebook IS DISTINCT FROM p_rulebook
       OR (jsonb_array_length(COALESCE(v_flags, '[]'::jsonb)) > 0 AND NOT COALESCE(v_consent @> v_flags, false))
       OR v_open >= p_max_open OR v_missing OR v_blocked THEN
        outcome := 'fallback';
        RETURN;
    END IF;
    IF v_fair_open AND v_held >= cap THEN
        outcome := 'fair_share';
        RETURN;
    END IF;
    -- 3. The claim (CLAIM_SQL's steps): the first open slot of a task the member never worked on,
    -- SKIP LOCKED (claims never wait on each other's slots); no lock on the project's row (its
    -- status was read above, as CLAIM_CONTEXT_SQL reads it: tasks/services/claiming.py says why
    -- that is safe).
    IF v_want IS NULL THEN
        SELECT sl.id, sl.task_id INTO slot_id, task_id FROM tasks_slot sl
         WHERE sl.project_id = p_project AND sl.status = 'open'
           AND NOT EXISTS (SELECT 1 FROM tasks_assignment w WHERE w.task_id = sl.task_id AND w.member_id = p_member)
         ORDER BY sl.id LIMIT 1
           FOR NO KEY UPDATE OF sl SKIP LOCKED;
    ELSE  -- issue 20: the kind the member's share calls for first, else the other
        SELECT either.id, either.task_id INTO slot_id, task_id FROM (
            SELECT * FROM (SELECT sl.id, sl.task_id FROM tasks_slot sl
                            WHERE sl.project_id = p_project AND sl.status = 'open' AND sl.is_gold = v_want
                              AND NOT EXISTS (SELECT 1 FROM tasks_assignment w
                                               WHERE w.task_id = sl.task_id AND w.member_id = p_member)
                            ORDER BY sl.id LIMIT 1 FOR NO KEY UPDATE OF sl SKIP LOCKED) wanted
            UNION ALL
            SELECT * FROM (SELECT sl.id, sl.task_id FROM tasks_slot sl
                            WHERE sl.project_id = p_project AND sl.status = 'open' AND sl.is_gold <> v_want
                              AND NOT EXISTS (SELECT 1 FROM tasks_assignment w
                                               WHERE w.task_id = sl.task_id AND w.member_id = p_member)
                            ORDER BY sl.id LIMIT 1 FOR NO KEY UPDATE OF sl SKIP LOCKED) other) either
         LIMIT 1;
    END IF;
    IF slot_id IS NULL THEN
        outcome := 'no_slot';
        RETURN;
    END IF;
    UPDATE tasks_slot SET status = 'taken' WHERE id = slot_id;
    assignment_id := nextval(pg_get_serial_sequence('tasks_assignment', 'id'));
    deadline := p_now + make_interval(mins => v_limit);
    INSERT INTO tasks_assignment (id, slot_id, task_id, project_id, member_id, status, rulebook_version, claimed_at,
                                  deadline_at, auto_approved, revision_comment, revisions, rejection_reason,
                                  rejection_explanation)
    VALUES (assignment_id, slot_id, task_id, p_project, p_member, 'claimed', rulebook, p_now, deadline, false, '',
            0, '', '');
    -- its event, the row coop.eventlog.services.event_statement writes: the payload's canonical
    -- JSON (keys sorted, compact; integers only)
    INSERT INTO eventlog_event (type, coop_id, actor_id, subject_type, subject_id, payload, salt, occurred_at)
    VALUES ('assignment.claimed', p_coop, p_member, 'tasks.assignment', assignment_id::text,
            convert_to(format('{"actor":%s,"assignment":%s,"membership":%s,"organisation":%s,"project":%s}',
                              p_member, assignment_id, v_membership, COALESCE(v_org::text, 'null'), p_project), 'UTF8'),
            p_salt, p_occurred)
    RETURNING id INTO event_id;
    -- last, the slot's stripe of the project's open count (tasks.models.OpenSlotStripe): after the
    -- slot in the lock order, and held from here to COMMIT only
    UPDATE tasks_openslotstripe SET count = count - 1 WHERE project_id = p_project AND stripe = slot_id % 16;
    outcome := 'claimed';
END;
$$;
"""



class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0012_project_country_review"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenSlotStripe",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stripe", models.PositiveSmallIntegerField()),
                ("count", models.IntegerField(default=0)),
                ("project", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="open_slot_stripes",
                                              to="tasks.project")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project", "stripe"), name="open_slot_stripe_unique"),
                    models.CheckConstraint(condition=models.Q(("count__gte", 0)), name="open_slot_stripe_not_negative"),
                    models.CheckConstraint(condition=models.Q(("stripe__lt", 16)), name="open_slot_stripe_in_range"),
                ],
            },
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(model_name="project", name="open_slots"),
        PostgresRunSQL(CLAIM_FUNCTION, reverse_sql=migrations.RunSQL.noop),
    ]
