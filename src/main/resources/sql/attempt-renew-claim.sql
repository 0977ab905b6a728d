UPDATE stk_attempt SET claimed_until = ?
WHERE attempt_id = ? AND (status = 'ACCEPTED' OR next_query_at IS NOT NULL) AND claimed_by = ? AND claimed_until > ?
