UPDATE stk_attempt
SET next_query_at = ?, query_count = query_count + 1, claimed_until = NULL, claimed_by = NULL, updated_at = ?
WHERE attempt_id = ?
