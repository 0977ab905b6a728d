-- Daraja's answer to the push as it came (HTTP status and body, at most 4000 characters), for the support timeline.
ALTER TABLE stk_attempt ADD COLUMN push_answer_status INTEGER;
ALTER TABLE stk_attempt ADD COLUMN push_answer TEXT;

-- Retention finds old callbacks that named no attempt (disposition UNKNOWN_ATTEMPT) without scanning every callback.
CREATE INDEX ix_callback_disposition_received ON stk_callback (disposition, received_at);
