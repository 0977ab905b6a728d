SELECT COUNT(*), MIN(created_at) FROM stk_attempt WHERE status IN ('PENDING_PUSH', 'DEFERRED', 'ACCEPTED')
