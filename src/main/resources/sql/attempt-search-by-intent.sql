AND intent_id = ?
