package io.stkbridge.ledger;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.stkbridge.Tracing;
import io.stkbridge.outcome.OutcomeEvent;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace context an intent was processed in (traceparent and tracestate) is kept with its attempt, read back for the
 * callback and the queries that decide it later, and given to every outcome event of it, whoever enqueues it; a
 * tracestate longer than the ledger keeps loses whole entries from its end, never the attempt. On H2 and on PostgreSQL.
 */
class AttemptTraceContextTest {

    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN_ID = "00f067aa0ba902b7";

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theIntentsTraceContextIsKeptWithItsAttemptAndGoesWithEveryOutcomeEvent(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = PushBoundaryTest.attempts(ledger, clock);
            // the entry put last comes first
            TraceState state = TraceState.builder().put("rojo", SPAN_ID).put("congo", "t61rcWkgMzE").build();
            Attempt attempt;
            try (Scope intake = inSpan(state)) {
                attempt = attempts.open(PushBoundaryTest.intent("traced")).attempt();
            }
            Tracing.TraceContext kept = new Tracing.TraceContext("00-" + TRACE_ID + "-" + SPAN_ID + "-01",
                    "congo=t61rcWkgMzE,rojo=" + SPAN_ID);
            assertEquals(kept, attempts.traceContextOf(attempt.attemptId()));

            // decided later, on a thread with no span: the event still carries the intent's trace context
            assertTrue(attempts.startPush(attempt, "run-1"));
            attempts.recordPushAnswer(attempt, "run-1", PushBoundaryTest.accepted("ws_CO_traced"));
            List<OutcomeEvent> events = new Outbox(ledger.transactions, clock, 10, Duration.ofSeconds(30), "a").claimBatch();
            assertEquals(1, events.size());
            assertEquals(kept, new Tracing.TraceContext(events.get(0).traceParent(), events.get(0).traceState()));

            Attempt untraced = attempts.open(PushBoundaryTest.intent("untraced")).attempt();
            assertEquals(Tracing.TraceContext.NONE, attempts.traceContextOf(untraced.attemptId()));
            assertEquals(Tracing.TraceContext.NONE, attempts.traceContextOf("no-such-attempt"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aTraceStateLongerThanTheLedgerKeepsLosesEntriesFromItsEndNeverTheAttempt(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            AttemptLedger attempts = PushBoundaryTest.attempts(ledger, new MovableClock());
            var builder = TraceState.builder();
            // 30 entries of 25 characters, 779 with their commas; the one put last comes first
            for (int i = 0; i < 30; i++) {
                builder.put(vendor(i), "v".repeat(17));
            }
            Attempt attempt;
            try (Scope intake = inSpan(builder.build())) {
                attempt = attempts.open(PushBoundaryTest.intent("long-state")).attempt();
            }
            String kept = attempts.traceContextOf(attempt.attemptId()).traceState();
            // the first 19 entries (494 characters): a 20th would make 520
            assertEquals(IntStream.iterate(29, i -> i - 1).limit(19).mapToObj(i -> vendor(i) + "=" + "v".repeat(17))
                    .collect(Collectors.joining(",")), kept);
            assertEquals("00-" + TRACE_ID + "-" + SPAN_ID + "-01", attempts.traceContextOf(attempt.attemptId()).traceParent());
        }
    }

    private static String vendor(int i) {
        return "vendor" + (char) ('a' + i / 10) + (i % 10);
    }

    /** A span of the intent's processing, its context from the intent record's trace headers. */
    private static Scope inSpan(TraceState state) {
        SpanContext remote = SpanContext.createFromRemoteParent(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), state);
        return Context.root().with(Span.wrap(remote)).makeCurrent();
    }
}
