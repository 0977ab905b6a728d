SELECT outbox_id, event_id, event_key, event_type, payload, occurred_at, trace_parent, trace_state
FROM stk_outbox
WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)
ORDER BY outbox_id
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
