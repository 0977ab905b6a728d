UPDATE stk_attempt SET corrected = TRUE WHERE attempt_id = ?
