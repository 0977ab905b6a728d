INSERT INTO stk_outbox (event_id, attempt_id, event_key, event_type, payload, occurred_at, trace_parent)
VALUES (?, ?, ?, ?, ?, ?, (SELECT trace_parent FROM stk_attempt WHERE attempt_id = ?))
