SELECT attempt_id, intent_id, intent_hash, order_id, merchant, amount, phone_number, account_reference, description,
       transaction_type, metadata_json, status, reason, retryable, result_code, result_desc, source,
       merchant_request_id, checkout_request_id, mpesa_receipt_number, transaction_date, created_at, updated_at,
       give_up_at, corrected
FROM stk_attempt
