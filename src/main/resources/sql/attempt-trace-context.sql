SELECT trace_parent, trace_state FROM stk_attempt WHERE attempt_id = ?
