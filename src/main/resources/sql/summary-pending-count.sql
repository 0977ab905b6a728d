SELECT COUNT(*) FROM stk_attempt WHERE status IN ('PENDING_PUSH', 'DEFERRED', 'ACCEPTED') AND created_at < ?
