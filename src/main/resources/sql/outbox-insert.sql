INSERT INTO stk_outbox (event_id, attempt_id, event_key, event_type, payload, occurred_at, trace_parent, trace_state)
VALUES (?, ?, ?, ?, ?, ?, (SELECT trace_parent FROM stk_attempt WHERE attempt_id = ?),
        (SELECT trace_state FROM stk_attempt WHERE attempt_id = ?))
