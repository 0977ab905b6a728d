SELECT attempt_id FROM stk_attempt
WHERE status IN ('ACCEPTED', 'FAILED', 'UNKNOWN') AND next_query_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
ORDER BY created_at, attempt_id
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
