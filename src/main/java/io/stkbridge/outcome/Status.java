package io.stkbridge.outcome;

/**
 * The life of an attempt. PENDING_PUSH, DEFERRED (nothing sent: Daraja was unavailable; pushed again later) and
 * ACCEPTED wait for a result; the others are final. DEFERRED is never published as an event.
 */
public enum Status {
    PENDING_PUSH(false),
    DEFERRED(false),
    ACCEPTED(false),
    SUCCEEDED(true),
    FAILED(true),
    REJECTED(true),
    UNKNOWN(true);

    private final boolean terminal;

    Status(boolean terminal) {
        this.terminal = terminal;
    }

    public boolean isFinal() {
        return terminal;
    }
}
