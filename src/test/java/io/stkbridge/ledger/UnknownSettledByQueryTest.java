package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.QueryAnswer;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static io.stkbridge.ledger.PushBoundaryTest.GIVE_UP;
import static io.stkbridge.ledger.PushBoundaryTest.MIN_TRIES;
import static io.stkbridge.ledger.PushBoundaryTest.WAITS;
import static io.stkbridge.ledger.PushBoundaryTest.accepted;
import static io.stkbridge.ledger.PushBoundaryTest.attempts;
import static io.stkbridge.ledger.PushBoundaryTest.callback;
import static io.stkbridge.ledger.PushBoundaryTest.intent;
import static io.stkbridge.ledger.PushBoundaryTest.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An UNKNOWN nobody knew is settled by Daraja's word when a Query can ask for it: the late acceptance of a push already
 * published UNKNOWN (its process was frozen past the callback wait) is queried as an accepted attempt is, and a final
 * Query answer, the sweeper's or one an operator forced, corrects such an UNKNOWN once. A Query never changes what
 * Daraja itself decided. On H2 and on PostgreSQL.
 */
class UnknownSettledByQueryTest {

    /** The first query after acceptance and the longest backoff of {@link PushBoundaryTest#attempts}. */
    private static final Duration FIRST_QUERY = Duration.ofSeconds(30);
    private static final Duration LONGEST_BACKOFF = Duration.ofMinutes(2);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static QueryAnswer queryAnswer(String checkoutRequestId, String resultCode) {
        return QueryAnswer.read(200, "{\"ResponseCode\":\"0\",\"ResponseDescription\":\"The service request has been accepted "
                + "successsfully\",\"MerchantRequestID\":\"m-1\",\"CheckoutRequestID\":\"" + checkoutRequestId
                + "\",\"ResultCode\":\"" + resultCode + "\",\"ResultDesc\":\"Daraja says " + resultCode + "\"}",
                checkoutRequestId);
    }

    /** The attempt's outbox events, in order: their status, and "correction" for a correction. */
    static List<String> published(TestLedger ledger, String intentId) {
        return ledger.column("SELECT o.payload FROM stk_outbox o JOIN stk_attempt a ON a.attempt_id = o.attempt_id "
                + "WHERE a.intent_id = ? ORDER BY o.outbox_id", intentId).stream().map(payload -> {
                    try {
                        JsonNode event = MAPPER.readTree(payload);
                        return event.path("status").asText() + (event.path("correction").asBoolean() ? " correction" : "");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    /** The attempts the sweeper would query now. */
    static List<String> dueForQuery(AttemptLedger attempts) {
        List<Attempt> claimed = attempts.claimDueForQuery(10, "sweeper", a -> true, a -> true);
        return claimed.stream().map(a -> a.intentId() + " " + a.checkoutRequestId()).toList();
    }

    /** A push whose process froze past the callback wait: UNKNOWN PUSH_INTERRUPTED, then Daraja's acceptance recorded. */
    static Attempt frozenThenAcceptedLate(AttemptLedger attempts, MovableClock clock, String intentId, String checkout) {
        Attempt attempt = attempts.open(intent(intentId)).attempt();
        assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
        clock.advance(WAITS.callbackWait().plusSeconds(1));
        assertEquals(1, attempts.closeInterruptedPushes(10));
        Attempt late = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted(checkout));
        assertEquals(Status.UNKNOWN, late.status());
        return late;
    }

    /** Accepted, then queried past the window without a result (a long Daraja outage): UNKNOWN UNRESOLVED. */
    static Attempt unresolved(AttemptLedger attempts, MovableClock clock, String intentId) {
        Attempt attempt = attempts.open(intent(intentId)).attempt();
        assertTrue(attempts.startPush(attempt, "instance-a/" + intentId));
        attempts.recordPushAnswer(attempt, "instance-a/" + intentId, accepted("ws_CO_" + intentId));
        clock.advance(GIVE_UP.plusSeconds(1));
        for (int tries = 0; tries < MIN_TRIES; tries++) {
            attempts.recordQueryFailure(attempt, new IOException("no answer"), "SWEEP");
        }
        return attempt;
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aPushAcceptedAfterItWasPublishedUnknownIsQueriedAndDarajasAnswerCorrectsItOnce(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt late = frozenThenAcceptedLate(attempts, clock, "thawed", "ws_CO_thawed");
            assertEquals(1, logs.linesContaining("its callback or an STK Query corrects the outcome").size(),
                    logs.asText().toString());
            assertEquals(List.of(), dueForQuery(attempts), "its callback is given the first query's delay");

            // the callback went to the process that was frozen, and is lost: the sweeper asks Daraja
            clock.advance(FIRST_QUERY.plusSeconds(1));
            assertEquals(List.of("thawed ws_CO_thawed"), dueForQuery(attempts));
            attempts.recordQueryAnswer(late, UnresolvedAfterTriesTest.BEING_PROCESSED, "SWEEP");
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "thawed"));
            assertEquals(List.of(), dueForQuery(attempts), "asked again only after the backoff");
            clock.advance(LONGEST_BACKOFF);
            assertEquals(List.of("thawed ws_CO_thawed"), dueForQuery(attempts));

            attempts.recordQueryAnswer(late, queryAnswer("ws_CO_thawed", "0"), "SWEEP");
            assertEquals("SUCCEEDED - final", outcome(ledger, "thawed"));
            assertEquals("QUERY yes", ledger.value("SELECT source || ' ' || CASE WHEN corrected THEN 'yes' ELSE 'no' END "
                    + "FROM stk_attempt WHERE intent_id = 'thawed'"));
            assertEquals(List.of("UNKNOWN", "SUCCEEDED correction"), published(ledger, "thawed"),
                    "UNKNOWN, then one correction that supersedes it");
            List<String> payloads = ledger.column("SELECT o.payload FROM stk_outbox o JOIN stk_attempt a ON a.attempt_id = "
                    + "o.attempt_id WHERE a.intent_id = 'thawed' ORDER BY o.outbox_id");
            String unknownEventId = MAPPER.readTree(payloads.get(0)).path("eventId").asText();
            JsonNode correction = MAPPER.readTree(payloads.get(1));
            assertEquals(unknownEventId, correction.path("corrects").asText(), correction.toString());
            assertEquals("QUERY", correction.path("source").asText());
            clock.advance(LONGEST_BACKOFF);
            assertEquals(List.of(), dueForQuery(attempts), "settled: never asked again");

            // the callback after all, contradicting: Daraja's own word never corrects twice
            assertEquals(AttemptLedger.CallbackDisposition.ALREADY_FINAL, callback(attempts, late, "ws_CO_thawed", "1032"));
            assertEquals(1, logs.linesContaining("CONFLICT: late callback for attempt " + late.attemptId()).size());
            assertEquals("SUCCEEDED - final", outcome(ledger, "thawed"));
            assertEquals(List.of("UNKNOWN", "SUCCEEDED correction"), published(ledger, "thawed"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aLateAcceptanceWhoseQueriesNeverGetAResultStopsBeingQueriedAfterTheWindowAndStaysUnknown(String database)
            throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt late = frozenThenAcceptedLate(attempts, clock, "never-known", "ws_CO_never");
            clock.advance(FIRST_QUERY.plusSeconds(1));
            Duration waited = FIRST_QUERY;
            int queries = 0;
            while (!dueForQuery(attempts).isEmpty()) {
                attempts.recordQueryFailure(late, new IOException("no answer"), "SWEEP");
                queries++;
                clock.advance(LONGEST_BACKOFF);
                waited = waited.plus(LONGEST_BACKOFF);
                assertTrue(queries < 50, "the scheduled queries never stopped");
            }
            assertTrue(queries >= MIN_TRIES, queries + " queries");
            assertTrue(waited.compareTo(GIVE_UP) >= 0, "asked until the give-up window had passed: " + waited);
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "never-known"), "unknown stays unknown");
            assertEquals(List.of("UNKNOWN"), published(ledger, "never-known"), "nothing more published");
            assertEquals(null, ledger.value("SELECT next_query_at FROM stk_attempt WHERE intent_id = 'never-known'"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aForcedQueryCorrectsAnUnresolvedAttemptOnceButNeverAnOutcomeDarajaDecided(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt unresolved = unresolved(attempts, clock, "outage");
            assertEquals("UNKNOWN UNRESOLVED final", outcome(ledger, "outage"));
            assertEquals(List.of(), dueForQuery(attempts), "the sweeper has given up on it");

            // Daraja is back; an operator forces a query: its final answer settles the UNKNOWN, once
            Attempt settled = attempts.recordQueryAnswer(unresolved, queryAnswer("ws_CO_outage", "1032"), "HTTP");
            assertEquals(Status.FAILED, settled.status());
            assertEquals("FAILED CANCELLED_BY_USER retryable", outcome(ledger, "outage"));
            assertEquals(List.of("ACCEPTED", "UNKNOWN", "FAILED correction"), published(ledger, "outage"));
            assertEquals(1, logs.linesContaining("CORRECTION: STK Query says FAILED (ResultCode 1032)").size());
            attempts.recordQueryAnswer(unresolved, queryAnswer("ws_CO_outage", "0"), "HTTP");
            assertEquals("FAILED CANCELLED_BY_USER retryable", outcome(ledger, "outage"), "corrected once only");
            assertEquals(List.of("ACCEPTED", "UNKNOWN", "FAILED correction"), published(ledger, "outage"));

            // an outcome Daraja's callback decided is never changed by a query, whatever it says
            Attempt declined = attempts.open(intent("declined")).attempt();
            assertTrue(attempts.startPush(declined, "instance-a/run-2"));
            attempts.recordPushAnswer(declined, "instance-a/run-2", accepted("ws_CO_declined"));
            assertEquals(AttemptLedger.CallbackDisposition.APPLIED, callback(attempts, declined, "ws_CO_declined", "1032"));
            attempts.recordQueryAnswer(declined, queryAnswer("ws_CO_declined", "0"), "HTTP");
            assertEquals("FAILED CANCELLED_BY_USER retryable", outcome(ledger, "declined"));
            assertEquals(List.of("ACCEPTED", "FAILED"), published(ledger, "declined"));

            // nor is an UNKNOWN settled by an answer nobody can read
            Attempt unreadable = unresolved(attempts, clock, "unreadable");
            attempts.recordQueryAnswer(unreadable, queryAnswer("ws_CO_unreadable", "777"), "HTTP");
            assertEquals("UNKNOWN UNRESOLVED final", outcome(ledger, "unreadable"));
        }
    }
}
