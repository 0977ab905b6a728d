package io.stkbridge.ledger;

import io.stkbridge.daraja.QueryAnswer;

import io.stkbridge.testing.MovableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.PushAnswer;
import io.stkbridge.daraja.StkCallback;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.outcome.OutcomeEvents;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.CapturedLogs;
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
    static final InterruptedPushes WAITS = InterruptedPushes.DEFAULT;
    /** Queries without a result before an attempt past its give-up time may be UNRESOLVED. */
    static final int MIN_TRIES = 5;
    static final Merchants SHOP = new Merchants(List.of(
            new Merchant("shop", "174379", "174379", Merchant.PAY_BILL, "key-shop", "s", "pk", "", "")));

    static AttemptLedger attempts(TestLedger ledger, MovableClock clock) {
        return attempts(ledger.transactions, clock);
    }

    static AttemptLedger attempts(Transactions transactions, MovableClock clock) {
        ObjectMapper mapper = new ObjectMapper();
        StkPushRequests requests = new StkPushRequests(SHOP, new StkPassword(clock),
                new CallbackTokens("callback-secret-0123456789", "https://bridge.example.com"));
        return new AttemptLedger(transactions, new OutcomeEvents(mapper), requests, mapper, clock,
                new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), GIVE_UP,
                        Duration.ofMinutes(1), MIN_TRIES), "instance-a", AttemptLedger.DEFAULT_CALLBACK_WINDOW, WAITS, false);
    }

    static PaymentIntent intent(String id) {
        String json = "{\"intentId\":\"" + id + "\"}";
        return new PaymentIntent(id, "order-" + id, 10, "254708374149", "ref-" + id.length(), "Payment", "CustomerPayBillOnline",
                "shop", null, "hash-" + id, json);
    }

    static String outcome(TestLedger ledger, String intentId) {
        return ledger.value("SELECT status || ' ' || COALESCE(reason, '-') || ' ' || CASE WHEN retryable THEN 'retryable' "
                + "ELSE 'final' END FROM stk_attempt WHERE intent_id = ?", intentId);
    }

    static String events(TestLedger ledger, String intentId) {
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

            // this time its request started before the process died: never pushed again, nor sent by the redelivered copy
            assertTrue(attempts.startPush(again.attempt(), "instance-a/run-2"));
            Intake third = attempts.open(intent("never-sent"));
            assertFalse(third.pushNow(), "possibly sent: never pushed again");
            assertFalse(attempts.startPush(third.attempt(), "instance-a/run-3"), "another run never sends it");
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
            assertEquals(AttemptLedger.CallbackDisposition.WAITING_FOR_PUSH_ANSWER, paid(attempts, answered, "ws_CO_1"));

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

    /** Daraja's success callback for the attempt (amount 10, the intent's phone), as received. */
    static AttemptLedger.CallbackDisposition paid(AttemptLedger attempts, Attempt attempt, String checkoutRequestId) {
        return callback(attempts, attempt, checkoutRequestId, "0");
    }

    /** Daraja's callback for the attempt with this ResultCode; a success one proves the payment (amount, receipt, phone). */
    static AttemptLedger.CallbackDisposition callback(AttemptLedger attempts, Attempt attempt, String checkoutRequestId,
                                                      String resultCode) {
        String proof = !"0".equals(resultCode) ? "" : ",\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":10},"
                + "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"RCP-" + checkoutRequestId + "\"},{\"Name\":\"PhoneNumber\","
                + "\"Value\":254708374149}]}";
        String callback = "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m-1\",\"CheckoutRequestID\":\""
                + checkoutRequestId + "\",\"ResultCode\":" + resultCode + ",\"ResultDesc\":\"Daraja says " + resultCode + "\""
                + proof + "}}}";
        return attempts.receiveCallback(attempt.attemptId(), StkCallback.parse(callback), callback);
    }

    static PushAnswer accepted(String checkoutRequestId) {
        return PushAnswer.read(200, "{\"MerchantRequestID\":\"m-1\",\"CheckoutRequestID\":\"" + checkoutRequestId
                + "\",\"ResponseCode\":\"0\",\"ResponseDescription\":\"Success. Request accepted for processing\","
                + "\"CustomerMessage\":\"Success. Request accepted for processing\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aRedeliveredPossiblySentAttemptWaitsForItsCallbackAndIsUnknownOnlyAfterTheWait(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt called = attempts.open(intent("cut-called")).attempt();
            Attempt silent = attempts.open(intent("cut-silent")).attempt();
            assertTrue(attempts.startPush(called, "instance-a/run-1"));
            assertTrue(attempts.startPush(silent, "instance-a/run-2"));
            // the process died with both requests open; after the restart both intents are read again
            clock.advance(WAITS.answerDeadline().plusSeconds(1));
            assertFalse(attempts.open(intent("cut-called")).pushNow());
            assertFalse(attempts.open(intent("cut-silent")).pushNow());
            assertEquals(0, attempts.closeInterruptedPushes(10), "within the wait nothing is decided without a callback");
            assertEquals("PENDING_PUSH - final", outcome(ledger, "cut-silent"));
            assertEquals("", events(ledger, "cut-silent"), "no UNKNOWN published within the wait");

            // Daraja's callback for the one: no push can be waiting for its answer any more, so it decides at once
            assertEquals(AttemptLedger.CallbackDisposition.APPLIED, paid(attempts, called, "ws_CO_called"));
            assertEquals("SUCCEEDED - final", outcome(ledger, "cut-called"));

            clock.advance(WAITS.callbackWait().minus(WAITS.answerDeadline()).minusSeconds(2));
            assertEquals(0, attempts.closeInterruptedPushes(10), "one second before the wait has passed");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(1, attempts.closeInterruptedPushes(10));
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "cut-silent"));
            for (String intentId : List.of("cut-called", "cut-silent")) {
                assertEquals(1, ledger.column("SELECT o.event_id FROM stk_outbox o JOIN stk_attempt a ON a.attempt_id = "
                        + "o.attempt_id WHERE a.intent_id = ?", intentId).size(), intentId + ": one final event");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aCallbackStoredWhileThePushCouldStillBeAnsweredIsAppliedByTheSweeperOnceNoneCan(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("early-callback")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            clock.advance(Duration.ofSeconds(1));
            // the callback overtakes the push answer, then the process dies before recording the answer
            assertEquals(AttemptLedger.CallbackDisposition.WAITING_FOR_PUSH_ANSWER, paid(attempts, attempt, "ws_CO_early"));
            assertEquals(0, attempts.closeInterruptedPushes(10), "its push may still record the answer");
            assertEquals("PENDING_PUSH - final", outcome(ledger, "early-callback"));
            clock.advance(WAITS.answerDeadline());
            assertEquals(1, attempts.closeInterruptedPushes(10));
            assertEquals("SUCCEEDED - final", outcome(ledger, "early-callback"), "decided long before the wait ends");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aLivePushIsNotEndedByARedeliveredCopyAndItsAnswerIsRecorded(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("live")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            // a rebalance hands the intent to instance b while a still waits for Daraja's answer
            clock.advance(Duration.ofSeconds(3));
            Intake copy = attempts.open(intent("live"));
            assertFalse(copy.pushNow(), "the copy sends nothing");
            assertEquals(0, attempts.closeInterruptedPushes(10));
            Attempt answered = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_live"));
            assertEquals("ACCEPTED", answered.status().name());
            assertEquals("ws_CO_live", answered.checkoutRequestId());
            assertEquals("io.stkbridge.stk.outcome.accepted", events(ledger, "live"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAcceptanceForAnAttemptClosedMeanwhileKeepsItsCheckoutRequestIdAndItsCallbackConfirmedByQueryCorrectsTheOutcome(String database)
            throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("frozen")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            // instance a is frozen (SIGSTOP) with its request open past the wait: the sweeper closes the attempt
            clock.advance(WAITS.callbackWait().plusSeconds(1));
            assertEquals(1, attempts.closeInterruptedPushes(10));
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "frozen"));
            // woken, it records Daraja's acceptance: the outcome stands, the CheckoutRequestID is kept
            Attempt late = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_frozen"));
            assertEquals("UNKNOWN", late.status().name());
            assertEquals("ws_CO_frozen", late.checkoutRequestId());
            assertEquals(1, logs.linesContaining("CheckoutRequestID ws_CO_frozen kept").size(), logs.asText().toString());
            // the customer paid: its callback, once an STK Query agrees, corrects the UNKNOWN
            assertEquals(AttemptLedger.CallbackDisposition.AWAITING_QUERY, paid(attempts, attempt, "ws_CO_frozen"));
            assertEquals("UNKNOWN PUSH_INTERRUPTED final", outcome(ledger, "frozen"));
            attempts.recordQueryAnswer(attempts.findByIntent("frozen").orElseThrow(), new QueryAnswer(
                    QueryAnswer.Kind.FINAL, false, Resolution.of(Status.SUCCEEDED, null, false, "0", "paid"), 200, "{}"), "SWEEP");
            assertEquals("SUCCEEDED - final", outcome(ledger, "frozen"));
            assertEquals("ws_CO_frozen", ledger.value("SELECT checkout_request_id FROM stk_attempt WHERE intent_id = 'frozen'"));
        }
    }

    /**
     * A callback decides an attempt whose push answer never came (past the answer deadline): the outcome carries the
     * MerchantRequestID and CheckoutRequestID it names. Should Daraja's acceptance come after all, its answer is kept
     * beside them, the outcome stands and nothing more is published; an acceptance naming another CheckoutRequestID is
     * no such answer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aCallbackThatDecidesAnAttemptWithoutPushAnswerGivesItsIdsAndALateAcceptanceAddsItsAnswer(String database)
            throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("answer-lost")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            clock.advance(WAITS.answerDeadline().plusSeconds(1));
            assertEquals(AttemptLedger.CallbackDisposition.APPLIED, paid(attempts, attempt, "ws_CO_lost"));
            assertEquals("SUCCEEDED - final", outcome(ledger, "answer-lost"));
            assertEquals("m-1 ws_CO_lost", ledger.value("SELECT merchant_request_id || ' ' || checkout_request_id "
                    + "FROM stk_attempt WHERE intent_id = 'answer-lost'"));
            String published = ledger.value("SELECT o.payload FROM stk_outbox o JOIN stk_attempt a ON a.attempt_id = o.attempt_id "
                    + "WHERE a.intent_id = 'answer-lost'");
            assertTrue(published.contains("\"checkoutRequestId\":\"ws_CO_lost\""), published);
            assertTrue(published.contains("\"merchantRequestId\":\"m-1\""), published);

            Attempt late = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_lost"));
            assertEquals("SUCCEEDED", late.status().name());
            assertEquals("200", ledger.value("SELECT CAST(push_answer_status AS VARCHAR(8)) FROM stk_attempt "
                    + "WHERE intent_id = 'answer-lost'"));
            assertEquals(1, logs.linesContaining("CheckoutRequestID ws_CO_lost kept").size(), logs.asText().toString());
            assertEquals("io.stkbridge.stk.outcome.succeeded", events(ledger, "answer-lost"), "published once");

            Attempt other = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_other"));
            assertEquals("ws_CO_lost", other.checkoutRequestId());
            assertEquals(1, logs.linesContaining("got a second acceptance, CheckoutRequestID ws_CO_other").size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAcceptanceRecordedAgainAfterItsCommitWentThroughUnacknowledgedIsPublishedOnce(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            AttemptLedger attempts = attempts(ledger, new MovableClock());
            Attempt attempt = attempts.open(intent("acked-lost")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_acked"));
            // the commit went through but its acknowledgement was lost (the connection broke): PushFailures records again
            Attempt again = attempts.recordPushAnswer(attempt, "instance-a/run-1", accepted("ws_CO_acked"));

            assertEquals("ACCEPTED", again.status().name());
            assertEquals("ws_CO_acked", again.checkoutRequestId());
            assertEquals("io.stkbridge.stk.outcome.accepted", events(ledger, "acked-lost"), "published once");
            assertEquals(List.of(), logs.linesContaining("second acceptance"), "its own answer is no second acceptance");
            assertEquals(1, logs.linesContaining("(CheckoutRequestID ws_CO_acked) was recorded already").size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aPushFailureResolvesTheAttemptOnlyWhenNoOtherRunOfThePushOwnsIt(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            AttemptLedger attempts = attempts(ledger, new MovableClock());
            Resolution refused = Resolution.of(Status.FAILED, "CONFIG_ERROR", false, null, "credentials refused");
            // two copies of the intent: a crossed the boundary; b's token request was refused before it could send
            Attempt attempt = attempts.open(intent("owned")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            attempts.resolvePush(attempt, "instance-b/run-2", refused);
            assertEquals("PENDING_PUSH - final", outcome(ledger, "owned"), "b does not end a's push");
            attempts.recordPushAnswer(attempt, "instance-b/run-2", PushAnswer.read(400,
                    "{\"requestId\":\"r-1\",\"errorCode\":\"400.002.02\",\"errorMessage\":\"Bad Request - Invalid PhoneNumber\"}"));
            assertEquals("PENDING_PUSH - final", outcome(ledger, "owned"), "nor does a refusal b was told");
            assertEquals("", events(ledger, "owned"));
            attempts.resolvePush(attempt, "instance-a/run-1", Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, null,
                    "read timed out"));
            assertEquals("UNKNOWN PUSH_OUTCOME_UNKNOWN final", outcome(ledger, "owned"), "the owner's own failure decides");

            // a failure before any run crossed the boundary resolves it
            Attempt unsent = attempts.open(intent("unsent")).attempt();
            attempts.resolvePush(unsent, "instance-b/run-3", refused);
            assertEquals("FAILED CONFIG_ERROR final", outcome(ledger, "unsent"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aPushRefusedAsBusyWaitsToBeSentAgainWithoutTheCallbackWaitRunningOut(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            AttemptLedger attempts = attempts(ledger, clock);
            Attempt attempt = attempts.open(intent("busy")).attempt();
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"));
            // Daraja refused it as busy: nothing was prompted; the run waits (rate limit, pause) before sending it again
            attempts.releasePush(attempt, "instance-a/run-1");
            clock.advance(WAITS.callbackWait().plusSeconds(1));
            assertEquals(0, attempts.closeInterruptedPushes(10), "not possibly sent: no callback is awaited");
            assertEquals("PENDING_PUSH - final", outcome(ledger, "busy"));
            assertTrue(attempts.startPush(attempt, "instance-a/run-1"), "its owner sends it again");

            // refused again; meanwhile a copy of the intent is read: it may push it, and then the old run sends nothing
            attempts.releasePush(attempt, "instance-a/run-1");
            attempts.releasePush(attempt, "instance-b/run-2");
            assertEquals("instance-a/run-1", ledger.value("SELECT push_started_by FROM stk_attempt WHERE intent_id = 'busy'"),
                    "only the owner releases its push");
            assertTrue(attempts.open(intent("busy")).pushNow(), "never prompted: the copy pushes it");
            assertTrue(attempts.startPush(attempt, "instance-b/run-2"));
            assertFalse(attempts.startPush(attempt, "instance-a/run-1"), "one sender at a time");
        }
    }
}
