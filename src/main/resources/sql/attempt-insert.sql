INSERT INTO stk_attempt (attempt_id, intent_id, intent_hash, order_id, merchant, amount, phone_number,
                         account_reference, description, transaction_type, intent_json, metadata_json,
                         push_request_json, status, reason, retryable, result_code, result_desc, source,
                         created_at, updated_at, resolved_at, trace_parent, trace_state)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
