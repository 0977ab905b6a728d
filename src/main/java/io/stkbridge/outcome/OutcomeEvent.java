package io.stkbridge.outcome;

import java.time.OffsetDateTime;

/**
 * An outcome event as the outbox holds it until the relay has published it.
 *
 * @param traceParent the W3C traceparent of the intent's processing, when it was traced; null otherwise, and on an
 *                    event not yet in the outbox (the outbox takes it from the attempt)
 * @param traceState  the W3C tracestate that came with it, when the intent record had one; null otherwise
 */
public record OutcomeEvent(String eventId, String attemptId, String key, String type, String payload, OffsetDateTime occurredAt,
                           String traceParent, String traceState) {

    public static final String TYPE_PREFIX = "io.stkbridge.stk.outcome.";
}
