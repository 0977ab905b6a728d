SELECT received_at, result_code, disposition, raw_body FROM stk_callback WHERE attempt_id = ? ORDER BY received_at, callback_id
