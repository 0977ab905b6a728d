SELECT attempt_id FROM stk_attempt
WHERE status = 'DEFERRED' AND next_push_at <= ?
ORDER BY next_push_at
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
