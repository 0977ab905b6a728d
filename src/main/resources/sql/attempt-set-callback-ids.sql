-- A callback decides an attempt whose push answer was never recorded (read timeout, a push cut at its deadline, a crash
-- after sending): its MerchantRequestID and CheckoutRequestID become the attempt's, so that the outcome event carries
-- them, unless another attempt holds that CheckoutRequestID (decide() refuses such a callback; this keeps the unique
-- index from failing the transaction should one slip through a waiting-callback path).
UPDATE stk_attempt SET merchant_request_id = ?, checkout_request_id = ?
WHERE attempt_id = ? AND checkout_request_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM stk_attempt other WHERE other.checkout_request_id = ?)
