-- hours align with East Africa Time (UTC+3, no daylight saving), so the console can add them up into EAT days
SELECT DATE_TRUNC('HOUR', resolved_at) AS hour_start, status, COUNT(*)
FROM stk_attempt
WHERE resolved_at >= ? AND resolved_at < ?
GROUP BY DATE_TRUNC('HOUR', resolved_at), status
