SELECT status, reason, COUNT(*) FROM stk_attempt WHERE created_at >= ? AND created_at < ? GROUP BY status, reason
