package io.stkbridge.ledger;

import io.stkbridge.Tracing;
import org.apache.camel.Message;

/**
 * Puts an attempt back into its intent's trace. A callback or an STK Query decides an attempt in an exchange of its own,
 * which Camel's tracer would otherwise trace on its own (or not at all, a callback request being untraced): the routes
 * set the trace context kept with the attempt as the message's trace headers once they know the attempt, and go on in a
 * {@code direct:} route, whose span the tracer starts as a child of those headers; its Daraja call's span follows.
 */
public class AttemptTraces {

    private final AttemptLedger ledger;
    private final boolean tracing;

    /** @param tracing whether tracing is on: when it is off the ledger is not asked */
    public AttemptTraces(AttemptLedger ledger, boolean tracing) {
        this.ledger = ledger;
        this.tracing = tracing;
    }

    /**
     * The attempt's trace context as the message's only trace headers (none when its intent was untraced: the work
     * starts a trace of its own then, never one the message's sender named).
     */
    public void continueTrace(String attemptId, Message message) {
        if (tracing) {
            Tracing.continueFrom(ledger.traceContextOf(attemptId), message);
        }
    }
}
