DELETE FROM stk_query WHERE attempt_id = ?
