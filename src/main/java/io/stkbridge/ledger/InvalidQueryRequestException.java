package io.stkbridge.ledger;

/** A query command that names no queryable attempt; it is dead-lettered with this message. */
public class InvalidQueryRequestException extends RuntimeException {

    public InvalidQueryRequestException(String message) {
        super(message);
    }
}
