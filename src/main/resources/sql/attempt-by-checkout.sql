WHERE checkout_request_id = ?
