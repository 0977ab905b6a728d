SELECT push_started_by FROM stk_attempt WHERE attempt_id = ? AND push_started_at IS NOT NULL
