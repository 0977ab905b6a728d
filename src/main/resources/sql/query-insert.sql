INSERT INTO stk_query (attempt_id, requested_at, http_status, answer, interpretation, trigger_source, queried_by)
VALUES (?, ?, ?, ?, ?, ?, ?)
