DELETE FROM stk_callback WHERE callback_id IN (
    SELECT callback_id FROM stk_callback
    WHERE disposition = 'UNKNOWN_ATTEMPT' AND received_at < ?
    ORDER BY callback_id
    FETCH FIRST ? ROWS ONLY)
