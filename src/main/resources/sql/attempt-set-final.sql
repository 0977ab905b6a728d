UPDATE stk_attempt
SET status = ?, reason = ?, retryable = ?, result_code = ?, result_desc = ?, source = ?,
    mpesa_receipt_number = ?, transaction_date = ?, resolved_at = ?, updated_at = ?,
    next_query_at = NULL, claimed_until = NULL, claimed_by = NULL
WHERE attempt_id = ? AND status = ?
