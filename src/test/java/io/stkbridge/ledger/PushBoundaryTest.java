package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.StkCallback;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.outcome.OutcomeEvents;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send boundary ({@link AttemptLedger#startPush}): an attempt counts as possibly sent only once its push request
 * started. A redelivered intent whose attempt never got there is pushed; one that did is never pushed again. Only one
 * run of the push owns the boundary. The sweeper defers resumed never-sent attempts again, fails other never-sent ones as
 * such, and closes possibly-sent ones from a stored callback or as UNKNOWN. On H2 and on PostgreSQL.
 */
class PushBoundaryTest {

    static final Duration GIVE_UP = Duration.ofMinutes(8);
    static final Merchants SHOP = new Merchants(List.of(
            new Merchant("shop", "174379", "174379", Merchant.PAY_BILL, "key-shop", "s", "pk", "", "")));

    private static AttemptLedger attempts(TestLedger ledger, MovableClock clock) {
        ObjectMapper mapper = new ObjectMapper();
        StkPushRequests requests = new StkPushRequests(SHOP, new StkPassword(clock),
                new CallbackTokens("callback-secret-0123456789", "https://bridge.example.com"));
        return new AttemptLedger(ledger.transactions, new OutcomeEvents(mapper), requests, mapper, clock,
                new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), GIVE_UP,
                        Duration.ofMinutes(1)), "instance-a");
    }

    private static PaymentIntent intent(String id) {
        String json = "{\"intentId\":\"" + id + "\"}";
        return new PaymentIntent(id, "order-" + id, 10, "254708374149", "ref-" + id.length(), "Payment", "CustomerPayBillOnline",
                "shop", null, "hash-" + id, json);
    }

    private static String outcome(TestLedger ledger, String intentId) {
        return ledger.value("SELECT status || ' ' || COALESCE(reason, '-') || ' ' || CASE WHEN retryable THEN 'retryable' "
                + "ELSE 'final' END FROM stk_attempt WHERE intent_id = ?", intentId);
    }

    private static String events(TestLedger ledger, String intentId) {
        return String.join(",", ledger.column("SELECT o.event_type FROM stk_outbox o JOIN stk_attempt a "
                + "ON a.attempt_id = o.attempt_id WHERE a.intent_id = ? ORDER BY o.outbox_id", intentId));
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aRedeliveredIntentWhosePushNeverStartedIsPushedOneThatStartedNever(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            AttemptLedger attempts = attempts(ledger, new MovableClock());
            Intake first = attempts.open(intent("never-sent"));
            assertTrue(first.pushNow());

            // the process died while the push waited for its turn: read again, it is pushed, the same attempt
            Intake again = attempts.open(intent("never-sent"));
            assertTrue(again.pushNow(), "never sent: pushed now");
            assertEquals(first.attempt().attemptId(), again.attempt().attemptId());
            assertEquals("PENDING_PUSH - final", outcome(ledger, "never-sent"));
            assertEquals("", events(ledger, "never-sent"), "nothing published for it");

            // this time its request started before the process died: never pushed again, UNKNOWN
            assertTrue(attempts.startPush(again.attempt(), "instance-a/run-2"));
            Intake third = attempts.open(intent("never-sent"));
            assertFalse(third.pushNow(), "possibly sent: never pushed again");
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "never-sent"));
            assertFalse(attempts.startPush(third.attempt(), "instance-a/run-2"), "a final attempt is never sent");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void onlyTheRunThatCrossedTheBoundaryMaySendAndADeferralReleasesIt(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("two-copies")).attempt();
            // two copies of the intent reach the boundary: the first owns it, the second must not send
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            assertFalse(attempts.startPush(attempt, "instance-b/run-7"), "a second copy never sends");
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"), "the owner's busy or token re-send may");
            // nor can the second copy defer (and so release) the owner's push while Daraja is paused
            Resolution givenUp = Resolution.of(Status.FAILED, "PUSH_FAILED", true, null, "nothing was sent");
            assertFalse(attempts.defer(attempt, "instance-b/run-7", "DARAJA_UNAVAILABLE", clock.offsetNow(), false,
                    Duration.ofMinutes(30), givenUp));
            assertEquals("PENDING_PUSH - final", outcome(ledger, "two-copies"));
            assertEquals("instance-a/run-1", ledger.value("SELECT push_started_by FROM stk_attempt WHERE intent_id = 'two-copies'"));

            // the owner's push reached nobody (Daraja unreachable): deferred, the boundary released, pushed again later
            assertTrue(attempts.defer(attempt, "instance-a/run-1", "DARAJA_UNAVAILABLE", clock.offsetNow(), true,
                    Duration.ofMinutes(30), givenUp));
            assertEquals(null, ledger.value("SELECT push_started_at FROM stk_attempt WHERE intent_id = 'two-copies'"));
            clock.advance(Duration.ofSeconds(1));
            Attempt resumed = attempts.claimDeferred(10, a -> true).get(0);
            assertTrue(attempts.startPush(resumed, "instance-b/run-9"), "whoever resumes it owns its next push");
            assertFalse(attempts.startPush(resumed, "instance-a/run-1"), "the old owner no longer does");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theSweeperFailsNeverSentAttemptsAndClosesPossiblySentOnesFromTheirCallbackOrAsUnknown(String database)
            throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            attempts.open(intent("stuck-unsent"));
            // deferred (Daraja unreachable), resumed by deferred-pushes, and the process died before sending it
            Attempt resumed = attempts.open(intent("stuck-resumed")).attempt();
            assertTrue(attempts.startPush(resumed, "instance-a/run-0"));
            assertTrue(attempts.defer(resumed, "instance-a/run-0", "DARAJA_UNAVAILABLE", clock.offsetNow(), true,
                    Duration.ofMinutes(30), Resolution.of(Status.FAILED, "PUSH_FAILED", true, null, "nothing was sent")));
            assertEquals(1, attempts.claimDeferred(10, a -> true).size());
            Attempt answered = attempts.open(intent("stuck-answered")).attempt();
            Attempt silent = attempts.open(intent("stuck-silent")).attempt();
            assertTrue(attempts.startPush(answered, "instance-a/run-1"));
            assertTrue(attempts.startPush(silent, "instance-a/run-2"));
            // Daraja's callback came while the push answer was never recorded (the process died in between)
            String callback = "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m-1\",\"CheckoutRequestID\":\"ws_CO_1\","
                    + "\"ResultCode\":0,\"ResultDesc\":\"The service request is processed successfully.\",\"CallbackMetadata\":"
                    + "{\"Item\":[{\"Name\":\"Amount\",\"Value\":10},{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"RCP123\"},"
                    + "{\"Name\":\"PhoneNumber\",\"Value\":254708374149}]}}}}";
            assertEquals(AttemptLedger.CallbackDisposition.WAITING_FOR_PUSH_ANSWER,
                    attempts.receiveCallback(answered.attemptId(), StkCallback.parse(callback), callback));

            assertEquals(0, attempts.closeInterruptedPushes(10), "nothing before the window");
            clock.advance(GIVE_UP.plusSeconds(1));
            assertEquals(4, attempts.closeInterruptedPushes(10));
            assertEquals("FAILED PUSH_FAILED retryable", outcome(ledger, "stuck-unsent"), "provably never sent");
            assertEquals("DEFERRED INTERRUPTED_BEFORE_SENDING final", outcome(ledger, "stuck-resumed"), "to be pushed again");
            assertEquals(List.of(resumed.attemptId()), attempts.claimDeferred(10, a -> true).stream()
                    .map(Attempt::attemptId).toList(), "deferred-pushes sends it");
            assertEquals("", events(ledger, "stuck-resumed"), "nothing published for it");
            assertTrue(ledger.value("SELECT result_desc FROM stk_attempt WHERE intent_id = 'stuck-unsent'").contains("never sent"));
            assertEquals("SUCCEEDED - final", outcome(ledger, "stuck-answered"), "its stored callback decides");
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "stuck-silent"));
            for (String intentId : List.of("stuck-unsent", "stuck-answered", "stuck-silent")) {
                assertEquals(1, ledger.column("SELECT o.event_id FROM stk_outbox o JOIN stk_attempt a ON a.attempt_id = "
                        + "o.attempt_id WHERE a.intent_id = ?", intentId).size(), intentId + ": one final event");
            }
        }
    }
}
