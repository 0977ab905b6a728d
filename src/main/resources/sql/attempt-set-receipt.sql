UPDATE stk_attempt SET mpesa_receipt_number = ?, transaction_date = ?, updated_at = ? WHERE attempt_id = ? AND mpesa_receipt_number IS NULL
