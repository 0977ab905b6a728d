package io.stkbridge.ledger;

import io.stkbridge.Tracing;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an attempt back into its intent's trace. A callback, an STK Query or a deferred push works on an attempt in an
 * exchange of its own, which Camel's tracer would otherwise trace on its own (or not at all: callback requests and the
 * sweeps are untraced). Once the attempt is known, the routes set the trace context kept with it as the message's trace
 * headers and go on in a {@code direct:} route, whose span the tracer starts as a child of those headers; the Daraja
 * call's span follows.
 */
public class AttemptTraces {

    private static final Logger LOG = LoggerFactory.getLogger(AttemptTraces.class);

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
        if (!tracing) {
            return;
        }
        Tracing.TraceContext trace;
        try {
            trace = ledger.traceContextOf(attemptId);
        } catch (RuntimeException unreadable) {
            // tracing never stops the work it traces: the callback or query goes on, in a trace of its own
            LOG.debug("Trace context of attempt {} not read: {}", attemptId, unreadable.toString());
            trace = Tracing.TraceContext.NONE;
        }
        Tracing.continueFrom(trace, message);
    }
}
