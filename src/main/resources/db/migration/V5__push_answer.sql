-- Daraja's answer to the push as it came (HTTP status and body, at most 4000 characters), for the support timeline.
ALTER TABLE stk_attempt ADD COLUMN push_answer_status INTEGER;
ALTER TABLE stk_attempt ADD COLUMN push_answer TEXT;
