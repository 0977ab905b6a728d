SELECT r.intent_json, r.push_request_json, a.push_answered_at, a.resolved_at, a.next_query_at, a.query_count,
       a.deferred_since, a.next_push_at, a.push_answer_status, a.push_answer, a.daraja_request_id
FROM stk_attempt a LEFT JOIN stk_attempt_request r ON r.attempt_id = a.attempt_id
WHERE a.attempt_id = ?
