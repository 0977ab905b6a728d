UPDATE stk_callback SET disposition = ? WHERE callback_id = ?
