SELECT requested_at, http_status, answer, interpretation, trigger_source FROM stk_query WHERE attempt_id = ?
ORDER BY requested_at, query_id
