WHERE attempt_id = ? FOR UPDATE
