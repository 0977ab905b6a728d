-- nothing of a deferred attempt reached Daraja: its send boundary is cleared, so that it may be pushed again
UPDATE stk_attempt
SET status = 'DEFERRED', reason = ?, next_push_at = ?, deferred_since = COALESCE(deferred_since, ?),
    claimed_until = NULL, claimed_by = NULL, push_started_at = NULL, push_started_by = NULL, updated_at = ?
WHERE attempt_id = ? AND status = 'PENDING_PUSH'
