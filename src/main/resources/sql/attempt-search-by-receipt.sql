AND mpesa_receipt_number = ?
