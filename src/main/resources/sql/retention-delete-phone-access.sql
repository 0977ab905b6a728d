DELETE FROM stk_phone_access WHERE attempt_id = ?
