-- Daraja accepted the push of an attempt already published UNKNOWN: it is queried from now on as an accepted attempt
-- is (first query, give-up window), so that Daraja's answer corrects the outcome should its callback never come
UPDATE stk_attempt SET next_query_at = ?, give_up_at = ?, updated_at = ?
WHERE attempt_id = ? AND status = 'UNKNOWN' AND corrected = FALSE
