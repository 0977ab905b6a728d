SELECT attempt_id FROM stk_attempt
WHERE status = 'PENDING_PUSH' AND created_at < ?
ORDER BY created_at
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
