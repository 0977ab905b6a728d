WHERE intent_id = ?
