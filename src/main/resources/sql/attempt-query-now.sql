UPDATE stk_attempt SET next_query_at = ? WHERE attempt_id = ? AND status = 'ACCEPTED'
