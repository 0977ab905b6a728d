SELECT callback_id, raw_body FROM stk_callback
WHERE attempt_id = ? AND disposition = 'WAITING_FOR_PUSH_ANSWER'
ORDER BY callback_id
