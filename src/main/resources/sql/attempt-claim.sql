UPDATE stk_attempt SET claimed_until = ?, claimed_by = ? WHERE attempt_id = ?
