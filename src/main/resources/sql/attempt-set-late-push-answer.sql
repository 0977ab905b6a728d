-- Daraja accepted a push whose attempt was closed meanwhile: its CheckoutRequestID and answer are kept (the outcome is
-- not changed), so that its callback can correct it. The attempt may hold that CheckoutRequestID already, from the
-- callback that decided it; it never takes a second one.
UPDATE stk_attempt
SET merchant_request_id = ?, checkout_request_id = ?, push_answered_at = ?, push_answer_status = ?, push_answer = ?,
    daraja_request_id = ?
WHERE attempt_id = ? AND status <> 'PENDING_PUSH' AND push_answered_at IS NULL
  AND (checkout_request_id IS NULL OR checkout_request_id = ?)
