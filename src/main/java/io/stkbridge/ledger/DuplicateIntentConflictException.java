package io.stkbridge.ledger;

/** An intentId seen before arrived with different content: nothing changes, the record goes to the dead-letter topic. */
public class DuplicateIntentConflictException extends RuntimeException {

    public DuplicateIntentConflictException(String intentId) {
        super("intentId " + intentId + " was already used for an intent with different content");
    }
}
