SELECT attempt_id FROM stk_attempt
WHERE status = 'PENDING_PUSH' AND updated_at < ?
ORDER BY updated_at
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
