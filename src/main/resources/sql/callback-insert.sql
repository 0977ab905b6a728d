INSERT INTO stk_callback (attempt_id, checkout_request_id, result_code, raw_body, received_at, disposition)
VALUES (?, ?, ?, ?, ?, ?)
