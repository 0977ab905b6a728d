AND order_id = ?
