SELECT event_id, event_type, payload, occurred_at, published_at FROM stk_outbox WHERE attempt_id = ? ORDER BY outbox_id
