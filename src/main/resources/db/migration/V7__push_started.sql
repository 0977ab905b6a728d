-- The send boundary: set, in its own committed statement, right before each push request goes out, by the push that owns
-- it (push_started_by). An attempt still PENDING_PUSH without it was never sent and may be pushed; one with it may have
-- prompted the customer and is never pushed again by anyone else.
ALTER TABLE stk_attempt ADD COLUMN push_started_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE stk_attempt ADD COLUMN push_started_by VARCHAR(120);
-- Attempts left PENDING_PUSH by a version that did not record the boundary may have been sent: never push them again.
UPDATE stk_attempt SET push_started_at = updated_at, push_started_by = 'before-V7' WHERE status = 'PENDING_PUSH';
