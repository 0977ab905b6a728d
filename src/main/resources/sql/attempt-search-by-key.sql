-- the search box: any identifier of an attempt, and the phone number when the text is one
AND (order_id = ? OR intent_id = ? OR attempt_id = ? OR checkout_request_id = ? OR mpesa_receipt_number = ?
     OR phone_number = ?)
