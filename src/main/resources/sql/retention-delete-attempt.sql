DELETE FROM stk_attempt WHERE attempt_id = ?
