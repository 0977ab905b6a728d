UPDATE stk_attempt
SET status = 'ACCEPTED', source = 'PUSH', merchant_request_id = ?, checkout_request_id = ?,
    push_answered_at = ?, updated_at = ?, next_query_at = ?, give_up_at = ?, push_answer_status = ?, push_answer = ?,
    daraja_request_id = ?
WHERE attempt_id = ? AND status = 'PENDING_PUSH'
