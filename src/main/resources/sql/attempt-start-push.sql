-- The send boundary, right before a push request goes out: only for an attempt still waiting for its push that nobody has
-- started, or that this push (the owner) started itself (a busy or token re-send). 0 rows: someone else owns it, do not send.
UPDATE stk_attempt SET push_started_at = ?, push_started_by = ?, updated_at = ?
WHERE attempt_id = ? AND status = 'PENDING_PUSH' AND (push_started_at IS NULL OR push_started_by = ?)
