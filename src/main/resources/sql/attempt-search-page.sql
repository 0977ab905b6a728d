-- newest first; one row more than the page tells whether another page follows
ORDER BY created_at DESC, attempt_id DESC
LIMIT ? OFFSET ?
