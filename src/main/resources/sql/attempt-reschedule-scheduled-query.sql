-- A final attempt's scheduled query got no result: asked again later. One queried on demand only (no query scheduled)
-- is left as it is.
UPDATE stk_attempt
SET next_query_at = ?, query_count = query_count + 1, claimed_until = NULL, claimed_by = NULL, updated_at = ?
WHERE attempt_id = ? AND next_query_at IS NOT NULL
