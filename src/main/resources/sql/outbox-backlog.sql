SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL
