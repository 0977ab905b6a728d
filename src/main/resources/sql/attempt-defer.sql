UPDATE stk_attempt
SET status = 'DEFERRED', reason = ?, next_push_at = ?, deferred_since = COALESCE(deferred_since, ?),
    claimed_until = NULL, claimed_by = NULL, updated_at = ?
WHERE attempt_id = ? AND status = 'PENDING_PUSH'
