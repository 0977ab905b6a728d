UPDATE stk_attempt SET status = 'PENDING_PUSH', reason = NULL, updated_at = ? WHERE attempt_id = ? AND status = 'DEFERRED'
