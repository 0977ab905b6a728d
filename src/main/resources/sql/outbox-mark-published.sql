UPDATE stk_outbox SET published_at = ?, claimed_until = NULL WHERE event_id = ? AND published_at IS NULL
