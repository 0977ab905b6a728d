DELETE FROM stk_callback WHERE attempt_id = ?
