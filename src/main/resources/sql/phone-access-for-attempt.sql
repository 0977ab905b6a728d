SELECT accessed_at, accessed_by, kind, phone_masked FROM stk_phone_access WHERE attempt_id = ? ORDER BY accessed_at, access_id
