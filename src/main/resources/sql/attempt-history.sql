SELECT intent_json, push_request_json, push_answered_at, resolved_at, next_query_at, query_count, deferred_since,
       next_push_at, push_answer_status, push_answer, daraja_request_id
FROM stk_attempt
WHERE attempt_id = ?
