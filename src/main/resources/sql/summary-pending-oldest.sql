SELECT attempt_id, order_id, status, created_at
FROM stk_attempt
WHERE status IN ('PENDING_PUSH', 'DEFERRED', 'ACCEPTED') AND created_at < ?
ORDER BY created_at
LIMIT ?
