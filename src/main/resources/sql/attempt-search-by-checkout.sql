AND checkout_request_id = ?
