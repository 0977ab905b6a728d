SELECT outbox_id, event_key FROM stk_outbox WHERE published_at IS NULL AND outbox_id < ?
