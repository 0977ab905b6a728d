AND created_at >= ?
