SELECT merchant, COUNT(*) FROM stk_attempt
WHERE status IN ('ACCEPTED', 'FAILED', 'UNKNOWN') AND next_query_at <= ?
GROUP BY merchant
