package io.stkbridge.outcome;

/** The life of an attempt. PENDING_PUSH and ACCEPTED wait for a result; the others are final. */
public enum Status {
    PENDING_PUSH(false),
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
