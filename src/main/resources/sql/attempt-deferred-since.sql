SELECT deferred_since FROM stk_attempt WHERE attempt_id = ?
