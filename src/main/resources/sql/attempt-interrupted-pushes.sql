-- Attempts still waiting for their push that the sweeper may decide now: never sent and untouched since the first cutoff
-- (their intent was not read again); possibly sent (the send boundary crossed, no answer recorded) longer ago than the
-- callback wait (second cutoff); or possibly sent longer ago than any push can wait for its answer (third cutoff) with a
-- callback stored meanwhile.
SELECT attempt_id FROM stk_attempt
WHERE status = 'PENDING_PUSH'
  AND ((push_started_at IS NULL AND updated_at < ?)
    OR push_started_at < ?
    OR (push_started_at < ? AND EXISTS (SELECT 1 FROM stk_callback c
                                         WHERE c.attempt_id = stk_attempt.attempt_id
                                           AND c.disposition = 'WAITING_FOR_PUSH_ANSWER')))
ORDER BY created_at
FETCH FIRST ? ROWS ONLY
FOR UPDATE SKIP LOCKED
