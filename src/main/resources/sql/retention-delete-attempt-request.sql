DELETE FROM stk_attempt_request WHERE attempt_id = ?
