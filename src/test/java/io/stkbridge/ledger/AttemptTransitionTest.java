package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stkbridge.daraja.PushAnswer;
import io.stkbridge.daraja.QueryAnswer;
import io.stkbridge.intent.InvalidIntentException;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static io.stkbridge.ledger.PushBoundaryTest.accepted;
import static io.stkbridge.ledger.PushBoundaryTest.attempts;
import static io.stkbridge.ledger.PushBoundaryTest.callback;
import static io.stkbridge.ledger.PushBoundaryTest.intent;
import static io.stkbridge.ledger.PushBoundaryTest.paid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attempt lifecycle ({@link AttemptTransition}) walked through the ledger: every allowed transition, brought about the
 * way the product brings it about, leaves the attempt in its target state; a few that are not allowed are refused. On H2
 * and on PostgreSQL.
 */
class AttemptTransitionTest {

    private static final String OWNER = "instance-a/run-1";
    private static final Resolution REFUSED = Resolution.of(Status.FAILED, "CONFIG_ERROR", false, null, "credentials refused");
    private static final Resolution TIMED_OUT = Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, null, "read timeout");

    static Stream<Arguments> everyTransitionOnEachLedger() {
        return Stream.of("H2", "PostgreSQL").flatMap(database -> Arrays.stream(AttemptTransition.values())
                .map(transition -> Arguments.of(database, transition)));
    }

    /** Reaching the transition's starting state, and then making it, with the ledger's own operations. */
    private static final class Walk {
        final AttemptLedger attempts;
        final MovableClock clock;
        Attempt attempt;

        Walk(AttemptLedger attempts, MovableClock clock) {
            this.attempts = attempts;
            this.clock = clock;
        }

        Walk opened() {
            attempt = attempts.open(intent("walk")).attempt();
            return this;
        }

        Walk started() {
            opened();
            assertTrue(attempts.startPush(attempt, OWNER));
            return this;
        }

        Walk deferred() {
            started();
            assertTrue(attempts.defer(attempt, OWNER, "DARAJA_UNAVAILABLE", clock.offsetNow(), true, Duration.ofMinutes(30),
                    REFUSED));
            clock.advance(Duration.ofSeconds(1));
            return this;
        }

        Walk acceptedByDaraja() {
            started();
            attempt = attempts.recordPushAnswer(attempt, OWNER, accepted("ws_CO_walk"));
            return this;
        }

        Walk decidedByQuery(String resultCode) {
            acceptedByDaraja();
            Resolution said = resultCode.equals("0") ? Resolution.of(Status.SUCCEEDED, null, false, "0", "paid")
                    : Resolution.of(Status.FAILED, "CANCELLED_BY_USER", true, resultCode, "cancelled");
            attempt = attempts.recordQueryAnswer(attempt, new QueryAnswer(QueryAnswer.Kind.FINAL, false, said, 200, "{}"), "SWEEP");
            return this;
        }

        /** The STK Query a success callback awaits: ResultCode 0, so the callback's correction is applied. */
        void paymentConfirmedByQuery() {
            attempts.recordQueryAnswer(attempts.findByIntent("walk").orElseThrow(), new QueryAnswer(QueryAnswer.Kind.FINAL,
                    false, Resolution.of(Status.SUCCEEDED, null, false, "0", "paid"), 200, "{}"), "SWEEP");
        }

        Status make(AttemptTransition transition) {
            switch (transition) {
                case PUSH_STARTED -> assertTrue(opened().attempts.startPush(attempt, OWNER));
                case PUSH_ACCEPTED -> acceptedByDaraja();
                case PUSH_DEFERRED -> deferred();
                case PUSH_RESUMED -> assertEquals(1, deferred().attempts.claimDeferred(10, a -> true).size());
                case PUSH_FAILED -> opened().attempts.resolvePush(attempt, OWNER, REFUSED);
                case PUSH_REJECTED -> started().attempts.recordPushAnswer(attempt, OWNER, PushAnswer.read(400,
                        "{\"requestId\":\"r-1\",\"errorCode\":\"400.002.02\",\"errorMessage\":\"Bad Request - Invalid PhoneNumber\"}"));
                case PUSH_UNKNOWN -> started().attempts.resolvePush(attempt, OWNER, TIMED_OUT);
                case PAID_BEFORE_PUSH_ANSWER -> {
                    started().clock.advance(InterruptedPushes.DEFAULT.answerDeadline().plusSeconds(1));
                    assertEquals(AttemptLedger.CallbackDisposition.APPLIED, paid(attempts, attempt, "ws_CO_walk"));
                }
                case DEFERRED_FAILED -> assertEquals(0, deferred().attempts.claimDeferred(10, a -> false).size());
                case PAID -> paid(acceptedByDaraja().attempts, attempt, "ws_CO_walk");
                case NOT_PAID -> callback(acceptedByDaraja().attempts, attempt, "ws_CO_walk", "1032");
                case UNRESOLVED -> {
                    // past the give-up time and queried the configured number of times without a result
                    acceptedByDaraja().clock.advance(PushBoundaryTest.GIVE_UP.plusSeconds(1));
                    for (int tries = 0; tries < PushBoundaryTest.MIN_TRIES; tries++) {
                        attempts.recordQueryFailure(attempt, new IOException("no answer"), "SWEEP");
                    }
                }
                case INVALID -> {
                    ObjectNode invalid = new ObjectMapper().createObjectNode().put("intentId", "walk").put("orderId", "o-walk");
                    attempts.reject(new InvalidIntentException("INVALID_INTENT", invalid, List.of("amount missing")));
                }
                case UNKNOWN_CORRECTED_PAID -> {
                    started().attempts.resolvePush(attempt, OWNER, TIMED_OUT);
                    // a success that would correct a published outcome waits for an STK Query that agrees
                    assertEquals(AttemptLedger.CallbackDisposition.AWAITING_QUERY, paid(attempts, attempt, "ws_CO_walk"));
                    paymentConfirmedByQuery();
                }
                case UNKNOWN_CORRECTED_NOT_PAID -> {
                    started().attempts.resolvePush(attempt, OWNER, TIMED_OUT);
                    assertEquals(AttemptLedger.CallbackDisposition.CORRECTION, callback(attempts, attempt, "ws_CO_walk", "1032"));
                }
                case QUERY_CORRECTED_PAID -> {
                    assertEquals(AttemptLedger.CallbackDisposition.AWAITING_QUERY,
                            paid(decidedByQuery("1032").attempts, attempt, "ws_CO_walk"));
                    paymentConfirmedByQuery();
                }
                case QUERY_CORRECTED_NOT_PAID -> assertEquals(AttemptLedger.CallbackDisposition.CORRECTION,
                        callback(decidedByQuery("0").attempts, attempt, "ws_CO_walk", "1032"));
                case QUERY_PAID_CORRECTED_UNKNOWN -> assertEquals(AttemptLedger.CallbackDisposition.CORRECTION,
                        callback(decidedByQuery("0").attempts, attempt, "ws_CO_walk", "777"));
                case QUERY_NOT_PAID_CORRECTED_UNKNOWN -> assertEquals(AttemptLedger.CallbackDisposition.CORRECTION,
                        callback(decidedByQuery("1032").attempts, attempt, "ws_CO_walk", "777"));
            }
            return attempts.findByIntent("walk").orElseThrow().status();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("everyTransitionOnEachLedger")
    void everyAllowedTransitionLeadsToItsState(String database, AttemptTransition transition) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            Walk walk = new Walk(attempts(ledger, clock), clock);
            assertEquals(transition.to, walk.make(transition), transition + ": " + transition.guard);
            if (transition.correction) {
                assertEquals("yes", ledger.value("SELECT CASE WHEN corrected THEN 'yes' ELSE 'no' END FROM stk_attempt "
                        + "WHERE intent_id = 'walk'"), "published as a correction");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void transitionsTheLifecycleDoesNotListAreRefused(String database) throws Exception {
        assertThrows(IllegalStateException.class, () -> AttemptTransition.of(Status.SUCCEEDED, Status.FAILED, false));
        assertThrows(IllegalStateException.class, () -> AttemptTransition.of(Status.ACCEPTED, Status.PENDING_PUSH, false));
        assertThrows(IllegalStateException.class, () -> AttemptTransition.of(Status.REJECTED, Status.SUCCEEDED, true));
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            Walk walk = new Walk(attempts(ledger, clock), clock);
            walk.make(AttemptTransition.PUSH_FAILED);
            Attempt failed = walk.attempt;
            // a final attempt is never sent, deferred, accepted or resumed
            assertFalse(walk.attempts.startPush(failed, OWNER));
            assertFalse(walk.attempts.defer(failed, OWNER, "DARAJA_UNAVAILABLE", clock.offsetNow(), true, Duration.ofMinutes(30),
                    REFUSED));
            walk.attempts.recordPushAnswer(failed, OWNER, accepted("ws_CO_late"));
            assertEquals(List.of(), walk.attempts.claimDeferred(10, a -> true));
            assertEquals("FAILED CONFIG_ERROR final", PushBoundaryTest.outcome(ledger, "walk"));
            // nor decided twice by a second push outcome
            walk.attempts.resolvePush(failed, OWNER, TIMED_OUT);
            assertEquals("FAILED CONFIG_ERROR final", PushBoundaryTest.outcome(ledger, "walk"));
            assertEquals(1, ledger.column("SELECT event_id FROM stk_outbox").size(), "one event");
        }
    }
}
