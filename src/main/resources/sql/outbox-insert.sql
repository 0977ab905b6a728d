INSERT INTO stk_outbox (event_id, attempt_id, event_key, event_type, payload, occurred_at)
VALUES (?, ?, ?, ?, ?, ?)
