SELECT push_started_at FROM stk_attempt WHERE attempt_id = ?
