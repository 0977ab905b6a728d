DELETE FROM stk_outbox WHERE attempt_id = ?
