UPDATE stk_attempt SET push_request_json = ? WHERE attempt_id = ?
