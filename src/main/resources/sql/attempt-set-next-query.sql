UPDATE stk_attempt SET next_query_at = ?, updated_at = ? WHERE attempt_id = ?
