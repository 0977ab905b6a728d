UPDATE stk_attempt SET push_answer_status = ?, push_answer = ? WHERE attempt_id = ?
