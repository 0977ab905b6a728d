INSERT INTO stk_phone_access (attempt_id, accessed_at, accessed_by, kind, phone_masked) VALUES (?, ?, ?, ?, ?)
