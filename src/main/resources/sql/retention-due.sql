SELECT a.attempt_id FROM stk_attempt a
WHERE a.status IN ('SUCCEEDED', 'FAILED', 'REJECTED', 'UNKNOWN') AND a.resolved_at < ?
  AND NOT EXISTS (SELECT 1 FROM stk_outbox o
                  WHERE o.attempt_id = a.attempt_id AND (o.published_at IS NULL OR o.published_at >= ?))
ORDER BY a.resolved_at
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
