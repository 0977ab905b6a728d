UPDATE stk_outbox SET published_at = ? WHERE event_id = ?
