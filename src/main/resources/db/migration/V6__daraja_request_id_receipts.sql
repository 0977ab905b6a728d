-- Daraja's requestId from its answer to the push (Safaricom support asks for it), for the attempt and its timeline.
ALTER TABLE stk_attempt ADD COLUMN daraja_request_id VARCHAR(64);
