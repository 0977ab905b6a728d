package io.stkbridge.outcome;

import java.time.OffsetDateTime;

/** An outcome event as the outbox holds it until the relay has published it. */
public record OutcomeEvent(String eventId, String attemptId, String key, String type, String payload, OffsetDateTime occurredAt) {

    public static final String TYPE_PREFIX = "io.stkbridge.stk.outcome.";
}
