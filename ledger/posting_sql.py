"""The ledger's PostgreSQL side as SQL text: `ledger_post` (one posting statement, see
ledger/posting.py `_post_pg`), the balanced-transaction triggers and their removal, installed and
replaced by ledger migrations 0002, 0005 and 0006."""

PG_POST_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_kind text, p_memo text, p_event bigint, p_reverses bigint,
    p_kinds text[], p_owner_kinds text[], p_owner_ids bigint[], p_shards int[], p_amounts bigint[],
    p_allow_negative boolean[], p_must_exist boolean[]
) RETURNS bigint AS $$
DECLARE
    n int := array_length(p_amounts, 1);
    ids bigint[] := '{}';
    touched bigint[] := '{}';
    finals bigint[] := '{}';
    negative_ok boolean[] := '{}';
    afters bigint[] := '{}';
    acc bigint;
    delta bigint;
    tx bigint;
    bal bigint;
    ok boolean;
    after bigint;
    i int;
    j int;
    k int;
BEGIN
    FOR i IN 1..n LOOP
        SELECT id INTO acc FROM ledger_account
         WHERE kind = p_kinds[i] AND owner_kind = p_owner_kinds[i] AND owner_id = p_owner_ids[i]
           AND shard = p_shards[i];
        IF acc IS NULL THEN
            IF p_must_exist[i] THEN
                RAISE EXCEPTION 'unknown account' USING ERRCODE = 'AT002', DETAIL = i::text;
            END IF;
            INSERT INTO ledger_account (kind, owner_kind, owner_id, shard, created_at)
                 VALUES (p_kinds[i], p_owner_kinds[i], p_owner_ids[i], p_shards[i], now())
            ON CONFLICT (kind, owner_kind, owner_id, shard) DO NOTHING RETURNING id INTO acc;
            IF acc IS NULL THEN
                SELECT id INTO acc FROM ledger_account
                 WHERE kind = p_kinds[i] AND owner_kind = p_owner_kinds[i] AND owner_id = p_owner_ids[i]
                   AND shard = p_shards[i];
            ELSE
                INSERT INTO ledger_balance (account_id, amount, allow_negative, updated_at)
                     VALUES (acc, 0, p_allow_negative[i], now());
            END IF;
        END IF;
        ids := ids || acc;
    END LOOP;
    -- The key first: a replay or a racing duplicate stops here, before any balance is locked.
    INSERT INTO ledger_transaction (key, kind, memo, event_id, reverses_id, created_at)
         VALUES (p_key, p_kind, p_memo, p_event, p_reverses, now()) RETURNING id INTO tx;
    -- Each balance row changes once, in account-id order: every posting locks rows in that
    -- one order (so two never deadlock), and the UPDATE takes the row lock itself.
    FOR acc, delta IN SELECT t.a, sum(t.d)::bigint FROM unnest(ids, p_amounts) AS t(a, d) GROUP BY t.a ORDER BY t.a
    LOOP
        UPDATE ledger_balance SET amount = amount + delta, updated_at = now()
         WHERE account_id = acc AND (allow_negative OR amount + delta >= 0)
        RETURNING amount, allow_negative INTO bal, ok;
        IF NOT FOUND THEN
            SELECT amount INTO bal FROM ledger_balance WHERE account_id = acc;
            k := 1;
            WHILE ids[k] <> acc OR p_amounts[k] >= 0 LOOP k := k + 1; END LOOP;
            RAISE EXCEPTION 'insufficient funds' USING ERRCODE = 'AT001', DETAIL = k::text || ':' || bal::text;
        END IF;
        touched := touched || acc;
        finals := finals || bal;
        negative_ok := negative_ok || ok;
    END LOOP;
    -- Each posting's balance_after, in leg order (an account named twice gets two lines).
    FOR i IN 1..n LOOP
        k := array_position(touched, ids[i]);
        after := finals[k];
        FOR j IN i + 1..n LOOP
            IF ids[j] = ids[i] THEN
                after := after - p_amounts[j];
            END IF;
        END LOOP;
        IF after < 0 AND NOT negative_ok[k] THEN
            RAISE EXCEPTION 'insufficient funds'
                USING ERRCODE = 'AT001', DETAIL = i::text || ':' || (after - p_amounts[i])::text;
        END IF;
        afters := afters || after;
    END LOOP;
    INSERT INTO ledger_posting (transaction_id, account_id, amount, balance_after)
         SELECT tx, t.a, t.d, t.b FROM unnest(ids, p_amounts, afters) WITH ORDINALITY AS t(a, d, b, o) ORDER BY t.o;
    RETURN tx;
END;
$$ LANGUAGE plpgsql;
"""

PG_CHECK_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger AS $$
DECLARE
    tx bigint;
    total numeric;
    lines int;
BEGIN
    IF TG_TABLE_NAME = 'ledger_transaction' THEN
        tx := NEW.id;
        -- the event exists (the event log is append-only: a plain read suffices)
        IF NOT EXISTS (SELECT 1 FROM eventlog_event WHERE id = NEW.event_id) THEN
            RAISE EXCEPTION 'ledger transaction % points at no event', tx USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSE
        tx := NEW.transaction_id;
        IF NOT EXISTS (SELECT 1 FROM ledger_account WHERE id = NEW.account_id) THEN
            RAISE EXCEPTION 'ledger posting % points at no account', NEW.id USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM ledger_transaction WHERE id = tx) THEN
            RAISE EXCEPTION 'ledger posting % points at no transaction', NEW.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    SELECT coalesce(sum(amount), 0), count(*) INTO total, lines FROM ledger_posting WHERE transaction_id = tx;
    IF total <> 0 OR lines < 2 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %, % postings)', tx, total, lines
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

PG_BALANCED_TRIGGERS = PG_CHECK_FUNCTION + r"""
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
"""

PG_DROP = r"""
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_transaction_balanced ON ledger_transaction;
DROP FUNCTION IF EXISTS ledger_check_balanced();
DROP FUNCTION IF EXISTS ledger_post(text, text, text, bigint, bigint, text[], text[], bigint[], int[], bigint[],
                                    boolean[], boolean[]);
"""
