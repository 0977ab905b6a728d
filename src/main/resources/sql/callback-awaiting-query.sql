SELECT callback_id, raw_body, received_at FROM stk_callback
WHERE attempt_id = ? AND disposition = 'AWAITING_QUERY'
ORDER BY callback_id
