SELECT query_count FROM stk_attempt WHERE attempt_id = ?
