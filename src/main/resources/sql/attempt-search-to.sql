AND created_at < ?
