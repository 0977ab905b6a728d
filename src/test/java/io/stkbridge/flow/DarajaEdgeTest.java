package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Daraja calls exactly as intended, counted at the simulator: no HTTP library re-sends a push, an answer that leaves
 * open whether the customer was prompted is UNKNOWN, an access token Daraja refuses is renewed, and a receipt that
 * arrives after a Query decided the payment still reaches downstream.
 */
class DarajaEdgeTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String PHONE = "254708374149";
    static TestStack stack;

    @BeforeAll
    static void start() {
        Map<String, String> properties = new HashMap<>(TestStack.FAST_SWEEPER);
        // a busy Daraja: one round of the product's own re-sends, deferred once, a second round, then given up
        properties.put("daraja.outage-give-up-ms", "1");
        stack = TestStack.start(properties);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @BeforeEach
    void forgetEarlierRequests() {
        stack.daraja.reset();
    }

    private static Attempt attempt(String intentId) {
        return stack.ledger().findByIntent(intentId).orElseThrow(() -> new AssertionError("no attempt for " + intentId));
    }

    /** The first final outcome published for an intent (a correction may follow it). */
    private static JsonNode firstFinal(String intentId) {
        return stack.outcomes.awaitFinal(intentId, BOUND);
    }

    @ParameterizedTest(name = "Amount {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "5031|HTTP 503 with an HTML page",
            "5100|HTTP 500 500.003.1001 Internal Server Error",
            "5003|HTTP 500 500.001.1001 with an unfamiliar message",
            "5200|the connection closed after the request was read",
            "6000|no answer within the read timeout",
            "2000|ResponseCode 0 without a CheckoutRequestID"})
    void anAnswerThatMayHidePromptIsUnknownAndReachedDarajaOnce(int amount, String answer) {
        // the customer was prompted; without a callback, nothing may make the outcome look known
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(amount);
        JsonNode outcome = firstFinal(intentId);
        assertEquals("UNKNOWN", outcome.path("status").asText(), answer + ": " + outcome);
        assertEquals("PUSH_OUTCOME_UNKNOWN", outcome.path("reason").asText(), answer);
        assertFalse(outcome.path("retryable").asBoolean(), "nobody may push this payment again on a guess");
        assertEquals(1, stack.daraja.pushRequestCount(), answer + ": push requests that reached Daraja");
    }

    /**
     * The simulator closes, unread, a request that comes on a connection idle for longer than its keep-alive (2 s), as
     * a server does when its idle timer meets the client's send. After a quiet spell longer than that, the next push
     * must go out on a new connection: on the old one it would reach nobody and be UNKNOWN.
     */
    @Test
    void aPushAfterAQuietSpellGoesOutOnANewConnectionNotOnOneTheServerCloses() {
        assertEquals("SUCCEEDED", firstFinal(stack.pay(100)).path("status").asText());
        awaitNoAttemptWaiting();
        Instant quietFrom = Instant.now();
        Duration quietSpell = TestStack.SIMULATOR_KEEP_ALIVE.plusMillis(500);
        await(BOUND, "a quiet spell longer than the simulator's keep-alive",
                () -> Duration.between(quietFrom, Instant.now()).compareTo(quietSpell) > 0);
        String intentId = stack.pay(101);
        JsonNode outcome = firstFinal(intentId);
        assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        assertEquals(0, stack.daraja.requestsOnExpiredConnections(), "requests sent on connections kept idle too long");
        assertEquals(2, stack.daraja.pushCount());
    }

    @Test
    void aBusyRefusalIsSentAgainOnlyByTheProductsOwnBackoff() {
        String intentId = stack.pay(4290);   // HTTP 429 Too many requests, every time
        JsonNode outcome = firstFinal(intentId);
        assertEquals("FAILED", outcome.path("status").asText(), outcome.toString());
        assertEquals("DARAJA_BUSY", outcome.path("reason").asText());
        assertTrue(outcome.path("retryable").asBoolean());
        // two rounds (the second after the deferral), each the first send and DARAJA_PUSH_BUSY_RETRIES=2 re-sends
        assertEquals(6, stack.daraja.pushRequestCount(), "push requests that reached Daraja");
        assertEquals(6, stack.daraja.refusedPushCount());
    }

    @Test
    void aRefusedAccessTokenIsRenewedAndThePushSentOnceMoreWith400_003_01() {
        assertEquals("SUCCEEDED", firstFinal(stack.pay(100)).path("status").asText(), "a token is cached");
        // no query of another test's attempt may renew the token before this push meets the refusal
        awaitNoAttemptWaiting();
        stack.daraja.reset();
        stack.daraja.invalidTokenAs400(true);
        stack.daraja.expireAllTokens();
        String intentId = stack.pay(101);
        JsonNode outcome = firstFinal(intentId);
        assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        assertEquals(2, stack.daraja.pushRequestCount(), "refused with the old token, sent once more with a new one");
        assertEquals(1, stack.daraja.pushCount(), "one prompt on the customer's phone");
        assertEquals(1, stack.daraja.tokenRequestCount(), "one new token");
    }

    @Test
    void darajasRequestIdIsKeptOnTheAttemptForSupport() throws Exception {
        String intentId = stack.pay(5100);
        JsonNode outcome = firstFinal(intentId);
        var answer = stack.get("/api/attempts/" + outcome.path("attemptId").asText(), Map.of("X-Api-Key", TestStack.READER_KEY));
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode detail = io.stkbridge.testing.OutcomeCollector.json(answer.body());
        String requestId = detail.path("darajaRequestId").asText("");
        assertTrue(requestId.matches("\\d+-\\d+-\\d+"), "requestId of the simulator's error envelope: " + detail);
        boolean inTimeline = false;
        for (JsonNode entry : detail.path("timeline")) {
            inTimeline |= "PUSH_ANSWER".equals(entry.path("kind").asText()) && requestId.equals(entry.path("darajaRequestId").asText());
        }
        assertTrue(inTimeline, "the push answer's timeline entry names it: " + detail.path("timeline"));
    }

    @Test
    void aReceiptThatArrivesAfterAQueryDecidedSuccessIsPublishedOnceAsAReceiptEvent() throws Exception {
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(7000);
        JsonNode paid = firstFinal(intentId);
        assertEquals("SUCCEEDED", paid.path("status").asText());
        assertEquals("QUERY", paid.path("source").asText());
        assertFalse(paid.path("receiptAvailable").asBoolean(), "a Query answer carries no receipt");
        String path = callbackPathOf(paid);
        String checkout = paid.path("checkoutRequestId").asText();

        assertEquals(200, stack.post(path, TestStack.successCallback(checkout, 1, PHONE), Map.of()).statusCode());
        assertEquals(200, stack.post(path, TestStack.successCallback(checkout, 7000, PHONE), Map.of()).statusCode());
        assertEquals(200, stack.post(path, TestStack.successCallback(checkout, 7000, PHONE), Map.of()).statusCode());
        List<ConsumerRecord<String, String>> receipts = stack.outcomes.awaitRecords(
                record -> record.value().contains(intentId) && header(record, "ce_type").endsWith(".receipt"), 1, BOUND);
        JsonNode receipt = io.stkbridge.testing.OutcomeCollector.json(receipts.get(0).value());
        assertEquals(paid.path("orderId").asText(), receipts.get(0).key(), "keyed by orderId, like every outcome");
        assertEquals(paid.path("eventId").asText(), receipt.path("receiptFor").asText());
        assertEquals("TST1234567", receipt.path("mpesaReceiptNumber").asText());
        assertTrue(receipt.path("receiptAvailable").asBoolean());
        assertEquals("2026-01-01T12:00:00+03:00", receipt.path("transactionDate").asText());
        assertFalse(receipt.path("final").asBoolean(), "not a second final outcome");

        // the ledger took the matching callback's receipt (not the one for another amount), and published it once
        await(BOUND, "the receipt in the ledger", () -> "TST1234567".equals(attempt(intentId).mpesaReceiptNumber()));
        String otherIntent = stack.pay(102);
        firstFinal(otherIntent);
        await(BOUND, "the relay to have published the later intent's events", () -> stack.outcomes.eventsOf(otherIntent).size() == 2);
        List<JsonNode> events = stack.outcomes.eventsOf(intentId);
        assertEquals(1, events.stream().filter(e -> e.hasNonNull("receiptFor")).count(), events.toString());
        assertEquals(1, events.stream().filter(e -> e.path("final").asBoolean()).count(), "exactly one final event");
        assertEquals(Status.SUCCEEDED, attempt(intentId).status());
    }

    @Test
    void aLongOrderIdGivesTheLast12CharactersAsAccountReference() {
        String orderId = "ORDER-2026-11-28-000042";
        String intentId = "intent-long-" + System.nanoTime();
        stack.intents.publish(orderId, io.stkbridge.testing.IntentPublisher.intent(intentId, orderId, 103, "0708 374 149"));
        firstFinal(intentId);
        assertEquals(List.of("11-28-000042"), stack.daraja.pushes().stream().map(p -> p.accountReference()).toList());
    }

    @Test
    void aQueryWhoseTokenIsRefusedRenewsItAndAsksOnceMore() {
        assertEquals("SUCCEEDED", firstFinal(stack.pay(104)).path("status").asText(), "a token is cached");
        stack.daraja.reset();
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(7000);
        await(BOUND, "ACCEPTED", () -> !stack.outcomes.eventsOf(intentId).isEmpty());
        stack.daraja.expireAllTokens();
        JsonNode paid = firstFinal(intentId);
        assertEquals("SUCCEEDED", paid.path("status").asText(), paid.toString());
        assertEquals("QUERY", paid.path("source").asText(), "decided by the query sent with the renewed token");
        assertEquals(1, stack.daraja.tokenRequestCount(), "one new token for the query (call-stk-query-with-new-token)");
    }

    @Test
    void callbacksThatDecideNothingLeaveTheAttemptWaiting() throws Exception {
        stack.daraja.dropCallbacks(true);
        stack.daraja.callbackDelay(Duration.ofHours(1));   // the sweeper's queries keep answering "being processed"
        String intentId = stack.pay(105);
        await(BOUND, "ACCEPTED", () -> !stack.outcomes.eventsOf(intentId).isEmpty());
        JsonNode accepted = stack.outcomes.eventsOf(intentId).get(0);
        String path = callbackPathOf(accepted);
        String otherCheckout = TestStack.successCallback("ws_CO_someone_else", 105, PHONE);
        String stillProcessing = """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":4999,
                 "ResultDesc":"The transaction is still under processing"}}}""".formatted(accepted.path("checkoutRequestId").asText());
        assertEquals(200, stack.post(path, otherCheckout, Map.of()).statusCode());
        assertEquals(200, stack.post(path, stillProcessing, Map.of()).statusCode());

        var answer = stack.get("/api/attempts/" + accepted.path("attemptId").asText(), Map.of("X-Api-Key", TestStack.READER_KEY));
        JsonNode detail = io.stkbridge.testing.OutcomeCollector.json(answer.body());
        List<String> dispositions = new java.util.ArrayList<>();
        detail.path("timeline").forEach(e -> {
            if ("CALLBACK".equals(e.path("kind").asText())) {
                dispositions.add(e.path("disposition").asText());
            }
        });
        assertEquals(List.of("CHECKOUT_MISMATCH", "STILL_PROCESSING"), dispositions);
        // applied, either would have decided the attempt (source CALLBACK) before its answer; the sweeper may give up on it
        Attempt after = attempt(intentId);
        assertTrue(after.status() == Status.ACCEPTED || "UNRESOLVED".equals(after.reason()), after.toString());
        assertTrue(!"CALLBACK".equals(after.source()), after.toString());
    }

    private static void awaitNoAttemptWaiting() {
        javax.sql.DataSource ledger = stack.app.context().getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        await(BOUND, "no attempt waiting for a push answer or a result", () -> {
            try (var connection = ledger.getConnection(); var count = connection.createStatement().executeQuery(
                    "SELECT COUNT(*) FROM stk_attempt WHERE status IN ('PENDING_PUSH', 'DEFERRED', 'ACCEPTED')")) {
                count.next();
                return count.getInt(1) == 0;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String callbackPathOf(JsonNode event) {
        return stack.callbackPath(event.path("attemptId").asText());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
