"""Issue 18, session 10: what every claim and submission reads, read without a scan that grows
with a member's history, the open assignments of everyone, or the project's window.

- `assignment_member_open` (member, deadline) holds the open assignments: a member's, counted at
  every claim (the open cap), and the expiry job's. It replaces `assignment_open_deadline`: with
  two partial indexes of the same rows, the planner, its statistics taken at a quiet hour (no open
  row), counted a member's open assignments through every open assignment's entry and the dead
  entries of those since submitted.
- `assignment_member_project` (member, project, status) replaces (member, status): the fair share
  and the gold mix count a member's assignments in one project, not the member's whole history.
- The slot's own index goes: `assignment_one_live_per_slot` finds a slot's live assignment, and
  slots are never deleted (one index fewer written at every claim and every submission).
- `assignment_project_measured` replaces `assignment_project_submitted`: the floor check's window
  (a project's latest measured times) in the order it is read: no sort of the window.
- `atelier_claim` (migration 0013): the "never worked on this task" check is a probe of the
  unique (task, member) index per slot looked at (OFFSET 0 keeps it a subquery): as an anti-join
  the planner could read the member's whole history first.
- `atelier_submit` (migration 0011) counts the window and how many of its times would pause the
  project were they the median; only when half of them or more do is the exact median taken.
  The verdict is the one of 0011's check (a median at or above that time needs half the window at
  or above it); the common case, a project paying well over the floor, sorts nothing.
- `atelier_submit` also answers whether the organisation has an active webhook subscription, so
  that the webhooks' listener asks nothing more for the many that have none (a round trip and a
  statement a submission).
- Both functions plan without sequential scans (`SET enable_seqscan = off`): they only ever look
  rows up by key, and a table whose statistics say it is empty (a new database, a table analyzed
  before its busy hour) had them scan it whole at every call as it filled. And they plan each
  statement once per connection (`plan_cache_mode = force_generic_plan`): PostgreSQL kept
  planning some of them at every call (a custom plan per parameter value, about 6% of the
  server's time); measured ABBA in one database, 10% less machine CPU a claim + submission.

"""

import importlib

from django.db import migrations, models

PostgresRunSQL = importlib.import_module("tasks.migrations.0011_claim_submit_functions").PostgresRunSQL
SUBMIT_0011 = importlib.import_module("tasks.migrations.0011_claim_submit_functions").SUBMIT_FUNCTION
CLAIM_0013 = importlib.import_module("tasks.migrations.0013_open_slot_stripes").CLAIM_FUNCTION

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
    -- SKIP LOCKED (claims never wait on each other's slots), each slot looked at checked by a probe
    -- of the unique (task, member) index (OFFSET 0: never an anti-join over the member's history,
    -- migration 0015); no lock on the project's row (its
    -- status was read above, as CLAIM_CONTEXT_SQL reads it: tasks/services/claiming.py says why
    -- that is safe).
    IF v_want IS NULL THEN
        SELECT sl.id, sl.task_id INTO slot_id, task_id FROM tasks_slot sl
         WHERE sl.project_id = p_project AND sl.status = 'open'
           AND NOT EXISTS (SELECT 1 FROM tasks_assignment w WHERE w.task_id = sl.task_id AND w.member_id = p_member
                            OFFSET 0)
         ORDER BY sl.id LIMIT 1
           FOR NO KEY UPDATE OF sl SKIP LOCKED;
    ELSE  -- issue 20: the kind the member's share calls for first, else the other
        SELECT either.id, either.task_id INTO slot_id, task_id FROM (
            SELECT * FROM (SELECT sl.id, sl.task_id FROM tasks_slot sl
                            WHERE sl.project_id = p_project AND sl.status = 'open' AND sl.is_gold = v_want
                              AND NOT EXISTS (SELECT 1 FROM tasks_assignment w
                                               WHERE w.task_id = sl.task_id AND w.member_id = p_member OFFSET 0)
                            ORDER BY sl.id LIMIT 1 FOR NO KEY UPDATE OF sl SKIP LOCKED) wanted
            UNION ALL
            SELECT * FROM (SELECT sl.id, sl.task_id FROM tasks_slot sl
                            WHERE sl.project_id = p_project AND sl.status = 'open' AND sl.is_gold <> v_want
                              AND NOT EXISTS (SELECT 1 FROM tasks_assignment w
                                               WHERE w.task_id = sl.task_id AND w.member_id = p_member OFFSET 0)
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

SUBMIT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION atelier_submit(
    p_member bigint, p_assignment bigint, p_project bigint, p_coop bigint, p_now timestamptz, p_form jsonb,
    p_answers jsonb, p_rulebook integer, p_floor_submissions integer, p_floor_rate bigint, p_sample integer,
    p_salt bytea, p_occurred bigint,
    OUT outcome text, OUT seconds integer, OUT time_spent integer, OUT revisions integer, OUT revision integer,
    OUT organisation_id bigint,
    OUT event_id bigint, OUT rulebook integer, OUT subscribed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    a record;
    v_revising boolean;
    v_count bigint;
    v_median double precision;
    v_slow bigint;
    v_slow_count bigint;
BEGIN
    -- the assignment's lock (tasks.locks.assignment_of_member_for_update), with its project read
    SELECT s.member_id, s.status, s.deadline_at, s.claimed_at, s.reviewed_at, s.time_spent_seconds, s.revisions,
           s.project_id, p.coop_id, p.organisation_id, p.question_form, p.status AS project_status,
           p.floor_paused_at, p.reward
      INTO a
      FROM tasks_assignment s JOIN tasks_project p ON p.id = s.project_id
     WHERE s.id = p_assignment FOR NO KEY UPDATE OF s;
    IF NOT FOUND OR a.member_id <> p_member THEN
        outcome := 'not_yours';
        RETURN;
    END IF;
    -- not submittable now (the error names the status: the Python path words it), or the caller
    -- validated the answers against another form than the project's
    IF a.status NOT IN ('claimed', 'revision_requested') OR a.project_id <> p_project OR a.coop_id <> p_coop
       OR a.question_form IS DISTINCT FROM p_form THEN
        outcome := 'fallback';
        RETURN;
    END IF;
    IF p_now > a.deadline_at THEN
        outcome := 'expired';
        RETURN;
    END IF;
    v_revising := a.status = 'revision_requested';
    revision := CASE WHEN v_revising THEN 1 ELSE 0 END;
    seconds := GREATEST(0, floor(extract(epoch FROM p_now - CASE WHEN v_revising THEN a.reviewed_at
                                                                 ELSE a.claimed_at END)))::integer;
    time_spent := CASE WHEN v_revising THEN COALESCE(a.time_spent_seconds, 0) + seconds ELSE seconds END;
    revisions := a.revisions + revision;
    organisation_id := a.organisation_id;
    BEGIN  -- a block of its own: a floor check that must pause the project undoes it (below)
        UPDATE tasks_assignment SET time_spent_seconds = time_spent, answers = p_answers, draft = NULL,
                                    status = 'submitted', submitted_at = p_now, revisions = atelier_submit.revisions
         WHERE id = p_assignment;
        INSERT INTO eventlog_event (type, coop_id, actor_id, subject_type, subject_id, payload, salt, occurred_at)
        VALUES ('assignment.submitted', p_coop, p_member, 'tasks.assignment', p_assignment::text,
                convert_to(format('{"actor":%s,"assignment":%s,"organisation":%s,"project":%s,"revision":%s,"seconds":%s}',
                                  p_member, p_assignment, COALESCE(a.organisation_id::text, 'null'), p_project,
                                  revision, seconds), 'UTF8'),
                p_salt, p_occurred)
        RETURNING id INTO event_id;
        -- the floor check (tasks.services.floor.project_floor_check), in two steps (migration 0015):
        -- the window's count and how many of its times would pause the project were they the
        -- median (v_slow: trunc(median) >= v_slow is the pause, at a floor above zero); fewer
        -- than half of them cannot make the median, and the exact median (MEASURED_SQL) is taken
        -- only when they can.
        IF a.project_status = 'open' AND a.floor_paused_at IS NULL THEN
            v_slow := CASE WHEN p_floor_rate <= 0 THEN NULL
                           WHEN a.reward::numeric * 3600 < p_floor_rate::numeric THEN 0
                           ELSE floor(a.reward::numeric * 3600 / p_floor_rate::numeric)::bigint + 1 END;
            SELECT COUNT(*), COUNT(*) FILTER (WHERE x.t >= v_slow),
                   (SELECT v.number FROM federation_rulebookversion v
                     WHERE v.coop_id = p_coop AND v.effective_at <= p_now ORDER BY v.number DESC LIMIT 1)
              INTO v_count, v_slow_count, rulebook
              FROM (SELECT m.time_spent_seconds AS t FROM tasks_assignment m
                     WHERE m.project_id = p_project AND m.time_spent_seconds IS NOT NULL
                       AND m.submitted_at IS NOT NULL
                     ORDER BY m.submitted_at DESC, m.id DESC LIMIT p_sample) x;
            -- another rulebook in force than the caller's: the Python path does it all
            IF rulebook IS DISTINCT FROM p_rulebook THEN
                RAISE EXCEPTION USING ERRCODE = 'AT018';
            END IF;
            IF v_count >= p_floor_submissions AND 2 * v_slow_count >= v_count THEN
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x.t) INTO v_median
                  FROM (SELECT m.time_spent_seconds AS t FROM tasks_assignment m
                         WHERE m.project_id = p_project AND m.time_spent_seconds IS NOT NULL
                           AND m.submitted_at IS NOT NULL
                         ORDER BY m.submitted_at DESC, m.id DESC LIMIT p_sample) x;
                -- the project must pause: the Python path does it all (the pause notifies people)
                IF a.reward::numeric * 3600 < p_floor_rate::numeric * GREATEST(1, trunc(v_median)) THEN
                    RAISE EXCEPTION USING ERRCODE = 'AT018';
                END IF;
            END IF;
        END IF;
    EXCEPTION WHEN SQLSTATE 'AT018' THEN
        outcome := 'fallback';
        event_id := NULL;
        RETURN;
    END;
    -- whether the organisation has an active webhook subscription (tasks.webhooks.services
    -- ANY_ACTIVE_SQL): the webhooks' listener asks nothing more when it has none
    subscribed := EXISTS (SELECT 1 FROM webhooks_subscription w
                           WHERE w.organisation_id = a.organisation_id AND w.active);
    outcome := 'submitted';
END;
$$;
"""


CLAIM_ARGS = "bigint, bigint, bigint, timestamptz, integer, integer, bytea, bigint"
SUBMIT_ARGS = ("bigint, bigint, bigint, bigint, timestamptz, jsonb, jsonb, integer, integer, bigint, integer, bytea, "
               "bigint")
PLANS = "".join(f"ALTER FUNCTION {function} SET enable_seqscan = off; "
                f"ALTER FUNCTION {function} SET plan_cache_mode = force_generic_plan; "
                for function in (f"atelier_claim({CLAIM_ARGS})", f"atelier_submit({SUBMIT_ARGS})"))
PLANS_BACK = (f"ALTER FUNCTION atelier_claim({CLAIM_ARGS}) RESET ALL; "
              f"ALTER FUNCTION atelier_submit({SUBMIT_ARGS}) RESET ALL;")


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0014_lean_assignment_indexes"),
        ("webhooks", "0001_subscriptions"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="assignment", name="assignment_project_submitted"),
        migrations.RemoveIndex(model_name="assignment", name="assignment_open_deadline"),
        migrations.RemoveIndex(model_name="assignment", name="tasks_assig_member__33ffe8_idx"),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(fields=["member", "project", "status"], name="assignment_member_project"),
        ),
        # Not AlterField in the database: dropping `db_index` there drops every single-column index
        # on slot_id, `assignment_one_live_per_slot` (a UniqueConstraint) with it. Only its own goes.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterField(
                model_name="assignment",
                name="slot",
                field=models.ForeignKey(db_index=False, on_delete=models.deletion.PROTECT, related_name="assignments",
                                        to="tasks.slot"),
            )],
            database_operations=[migrations.RunSQL('DROP INDEX IF EXISTS "tasks_assignment_slot_id_e56a7072"',
                                                   reverse_sql='CREATE INDEX "tasks_assignment_slot_id_e56a7072" '
                                                               'ON "tasks_assignment" ("slot_id")')],
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("status__in", ["claimed", "revision_requested"])),
                               fields=["member", "deadline_at"], name="assignment_member_open"),
        ),
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(condition=models.Q(("submitted_at__isnull", False)),
                               fields=["project", "submitted_at", "id"], name="assignment_project_measured"),
        ),
        PostgresRunSQL(CLAIM_FUNCTION, reverse_sql=CLAIM_0013),
        # its result gains a column: dropped and created anew (CREATE OR REPLACE cannot change it)
        PostgresRunSQL(f"DROP FUNCTION atelier_submit({SUBMIT_ARGS}); {SUBMIT_FUNCTION}",
                       reverse_sql=f"DROP FUNCTION atelier_submit({SUBMIT_ARGS}); {SUBMIT_0011}"),
        PostgresRunSQL(PLANS, reverse_sql=PLANS_BACK),
    ]
