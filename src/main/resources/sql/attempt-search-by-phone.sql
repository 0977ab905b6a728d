AND phone_number = ?
