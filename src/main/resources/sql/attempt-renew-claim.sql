UPDATE stk_attempt SET claimed_until = ?
WHERE attempt_id = ? AND status = 'ACCEPTED' AND claimed_by = ? AND claimed_until > ?
