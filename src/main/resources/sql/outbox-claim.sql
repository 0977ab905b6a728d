UPDATE stk_outbox SET claimed_until = ?, claimed_by = ? WHERE outbox_id = ?
