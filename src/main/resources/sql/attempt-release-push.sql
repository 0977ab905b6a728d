-- Daraja refused the owner's push request without prompting the customer (busy, token refused) and the owner sends it
-- again: until its next request the attempt counts as never sent again (push_started_at cleared, its owner kept).
UPDATE stk_attempt SET push_started_at = NULL, updated_at = ?
WHERE attempt_id = ? AND status = 'PENDING_PUSH' AND push_started_by = ?
