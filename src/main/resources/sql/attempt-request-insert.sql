INSERT INTO stk_attempt_request (attempt_id, intent_json, push_request_json) VALUES (?, ?, ?)
