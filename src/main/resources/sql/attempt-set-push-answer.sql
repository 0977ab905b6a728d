UPDATE stk_attempt SET push_answer_status = ?, push_answer = ?, daraja_request_id = ? WHERE attempt_id = ?
