package io.stkbridge.ledger;

/** No attempt answers to the id given; the caller gets a 404 or a dead-lettered command. */
public class AttemptNotFoundException extends RuntimeException {

    public AttemptNotFoundException(String message) {
        super(message);
    }
}
