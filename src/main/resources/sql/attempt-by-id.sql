WHERE attempt_id = ?
