SELECT COUNT(*) FROM stk_attempt a
WHERE a.attempt_id = ? AND a.status IN ('SUCCEEDED', 'FAILED', 'REJECTED', 'UNKNOWN') AND a.resolved_at < ?
  AND NOT EXISTS (SELECT 1 FROM stk_outbox o
                  WHERE o.attempt_id = a.attempt_id AND (o.published_at IS NULL OR o.published_at >= ?))
