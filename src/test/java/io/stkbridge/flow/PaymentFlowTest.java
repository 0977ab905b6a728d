package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import io.stkbridge.testing.CapturedLogs;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import io.stkbridge.testing.TestStack;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.Set;
import java.util.UUID;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core flow end to end: the real routes and Camel Main, a real in-process Kafka broker, the Daraja simulator
 * over real HTTP, and the H2 ledger.
 */
class PaymentFlowTest {

    static final String PASSKEY = TestStack.PASSKEY;
    static final String CALLBACK_SECRET = TestStack.CALLBACK_SECRET;
    static final Duration BOUND = Duration.ofSeconds(30);
    static final String PHONE = "254708374149";

    static TestStack stack;
    static DarajaSimulator daraja;
    static OutcomeCollector outcomes;
    static OutcomeCollector deadLetters;
    static IntentPublisher intents;
    static CapturedLogs logs;

    @BeforeAll
    static void startEverything() {
        logs = CapturedLogs.installCapturingDebug();
        stack = TestStack.start(Map.of());
        daraja = stack.daraja;
        outcomes = stack.outcomes;
        deadLetters = stack.deadLetters;
        intents = stack.intents;
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            assertNoSecretOrFullPhoneNumberWasLogged();
            assertEveryOutcomeEventMatchesThePublishedSchema();
        } finally {
            logs.close();
            stack.close();
        }
    }

    static void assertEveryOutcomeEventMatchesThePublishedSchema() {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of("classpath:schema/outcome-event.schema.json"));
        List<JsonNode> events = outcomes.values();
        assertTrue(events.size() > 30);
        for (JsonNode event : events) {
            assertEquals(Set.of(), schema.validate(event), event.toString());
        }
    }

    /** Runs after every flow above has logged what it logs: secrets and full phone numbers never appear. */
    static void assertNoSecretOrFullPhoneNumberWasLogged() {
        assertTrue(logs.size() > 20, "the logs were captured");
        assertTrue(logs.debugEvents() > 0, "DEBUG was captured too");
        java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
        String basicCredentials = base64.encodeToString(("test-key:" + TestStack.CONSUMER_SECRET).getBytes(StandardCharsets.UTF_8));
        // Password = base64(shortcode + passkey + timestamp): its first 92 characters encode shortcode + passkey alone
        String passwordPrefix = base64.encodeToString(("174379" + PASSKEY).substring(0, 69).getBytes(StandardCharsets.UTF_8));
        List<String> secrets = new ArrayList<>(List.of(PASSKEY, TestStack.CONSUMER_SECRET, CALLBACK_SECRET,
                TestStack.OPERATOR_KEY, TestStack.READER_KEY, TestStack.CONSOLE_PASSWORD, basicCredentials, passwordPrefix,
                // the phone in every spelling an intent or Daraja uses
                "708374149", "708 374 149", "0708-374-149"));
        assertFalse(daraja.accessTokensIssued().isEmpty());
        secrets.addAll(daraja.accessTokensIssued());
        for (String secret : secrets) {
            assertEquals(List.of(), logs.linesContaining(secret), "logged: " + secret);
        }
        for (var push : daraja.pushes()) {
            String token = push.callbackUrl().substring(push.callbackUrl().lastIndexOf('/') + 1);
            assertEquals(List.of(), logs.linesContaining(token), "a callback token was logged");
        }
    }

    @AfterEach
    void restoreSimulator() {
        daraja.callbackDelay(Duration.ofMillis(150));
        daraja.pushLatency(Duration.ZERO);
        daraja.dropCallbacks(false);
        daraja.duplicateCallbacks(false);
        daraja.answerPushesAfterTheirCallback(false);
    }

    private static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String pay(int amount) {
        return stack.pay(amount);
    }

    private static long pushesFor(String intentId) {
        JsonNode accepted = outcomes.eventsOf(intentId).stream().filter(e -> "ACCEPTED".equals(e.path("status").asText()))
                .findFirst().orElse(null);
        String orderId = accepted == null ? null : accepted.path("orderId").asText();
        return daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).count();
    }

    @Test
    void aPaidIntentGetsAcceptedThenSucceededWithItsReceipt() {
        String intentId = pay(100);
        JsonNode paid = outcomes.awaitFinal(intentId, BOUND);

        List<JsonNode> events = outcomes.eventsOf(intentId);
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"), events.stream().map(e -> e.path("status").asText()).toList());
        assertEquals("0", paid.path("resultCode").asText());
        assertEquals("CALLBACK", paid.path("source").asText());
        assertTrue(paid.path("mpesaReceiptNumber").asText().matches("[A-Z0-9]{10}"));
        assertEquals(100, paid.path("amount").asInt());
        assertEquals(PHONE, paid.path("phoneNumber").asText());
        assertTrue(paid.path("transactionDate").asText().endsWith("+03:00"));
        assertEquals("test", paid.path("metadata").path("channel").asText());
        assertEquals(events.get(0).path("checkoutRequestId").asText(), paid.path("checkoutRequestId").asText());
        assertEquals(1, pushesFor(intentId));

        ConsumerRecord<String, String> record = outcomes.records().stream()
                .filter(r -> r.value().contains(paid.path("eventId").asText())).findFirst().orElseThrow();
        assertEquals(paid.path("orderId").asText(), record.key());
        assertEquals("1.0", header(record, "ce_specversion"));
        assertEquals(paid.path("eventId").asText(), header(record, "ce_id"));
        assertEquals("io.stkbridge.stk.outcome.succeeded", header(record, "ce_type"));
        assertEquals("application/json", header(record, "content-type"));
        assertFalse(header(record, "ce_time").isEmpty());
        assertFalse(header(record, "ce_source").isEmpty());
    }

    @ParameterizedTest
    @CsvSource({
            "1032, CANCELLED_BY_USER",
            "1111, INSUFFICIENT_FUNDS",
            "1037, CUSTOMER_UNREACHABLE",
            "2001, WRONG_PIN",
            "1019, EXPIRED"})
    void customerFailuresAreFinalFailedWithTheirReason(int amount, String reason) {
        String intentId = pay(amount);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", outcome.path("status").asText());
        assertEquals(reason, outcome.path("reason").asText());
        assertEquals(String.valueOf(amount == 1111 ? 1 : amount), outcome.path("resultCode").asText());
        assertTrue(outcome.path("mpesaReceiptNumber").isNull());
        assertEquals(2, outcomes.eventsOf(intentId).size());
    }

    @ParameterizedTest
    @CsvSource({
            "4002, REJECTED, INVALID_REQUEST",
            "5001, FAILED, SUBSCRIBER_BUSY",
            "5002, FAILED, DARAJA_BUSY",
            "4290, FAILED, DARAJA_BUSY",
            "5100, UNKNOWN, PUSH_OUTCOME_UNKNOWN",
            "5031, UNKNOWN, PUSH_OUTCOME_UNKNOWN"})
    void pushAnswersThatAreNotAcceptancesAreFinalAtOnce(int amount, String status, String reason) {
        String intentId = pay(amount);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals(status, outcome.path("status").asText());
        assertEquals(reason, outcome.path("reason").asText());
        assertEquals("PUSH", outcome.path("source").asText());
        assertEquals(1, outcomes.eventsOf(intentId).size());
    }

    @Test
    void aBusyRefusalIsSentAgainWithinItsBoundDeferredAndFailedAsRetryableOnlyAfterTheGiveUp() {
        int refusedBefore = daraja.refusedPushCount();
        String intentId = pay(5002);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("DARAJA_BUSY", outcome.path("reason").asText());
        assertTrue(outcome.path("retryable").asBoolean());
        int refused = daraja.refusedPushCount() - refusedBefore;
        assertTrue(refused >= 6 && refused % 3 == 0,
                "each try is the push and two re-sends, and the attempt was deferred and tried again: " + refused);
    }

    @Test
    void aRefusalThatIsNotBusyIsNeverSentAgain() {
        int refusedBefore = daraja.refusedPushCount();
        outcomes.awaitFinal(pay(4002), BOUND);
        assertEquals(refusedBefore + 1, daraja.refusedPushCount());
    }

    @Test
    void aPushWhoseAnswerNeverComesIsUnknownNeverResentAndCorrectedByItsLateCallback() {
        // the push read times out after 2 s; the callback comes well after the UNKNOWN was recorded, even on a busy machine
        daraja.callbackDelay(Duration.ofSeconds(8));
        String intentId = pay(6000);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("UNKNOWN", outcome.path("status").asText());
        assertEquals("PUSH_OUTCOME_UNKNOWN", outcome.path("reason").asText());
        assertFalse(outcome.path("correction").asBoolean());
        String orderId = outcome.path("orderId").asText();
        // The simulator still prompted the customer and calls back: Daraja's own word corrects the UNKNOWN, once.
        await(BOUND, "the correction", () -> outcomes.eventsOf(intentId).size() == 2);
        JsonNode correction = outcomes.eventsOf(intentId).get(1);
        assertEquals("SUCCEEDED", correction.path("status").asText());
        assertTrue(correction.path("correction").asBoolean());
        assertEquals(outcome.path("eventId").asText(), correction.path("corrects").asText());
        assertTrue(correction.path("receiptAvailable").asBoolean());
        assertEquals(1, daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).count());
    }

    /**
     * An answer trickled a byte at a time never trips the read timeout (2 s). Past the answer deadline (the three
     * timeouts together, 4 s here) the callback that came first decides the attempt, once, with the ids it names; the
     * push is cut at its lease (STK_INTERRUPTED_PUSH_WAIT_MS, 6 s here), not after the answer's 50 s, and changes nothing.
     */
    @Test
    void aPushWhoseAnswerIsTrickledIsDecidedByItsCallbackAndCutAtItsLease() {
        int cutBefore = daraja.trickledAnswersCut().size();
        String intentId = pay(6100);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        assertEquals("CALLBACK", outcome.path("source").asText(), outcome.toString());
        assertEquals(sentCheckoutRequestId(outcome), outcome.path("checkoutRequestId").asText(), outcome.toString());
        await(BOUND, "the simulator to see its trickled answer cut", () -> daraja.trickledAnswersCut().size() > cutBefore);
        Duration trickledFor = daraja.trickledAnswersCut().get(cutBefore);
        // the whole answer takes about 50 s; the lease ends 6 s after the request started
        assertTrue(trickledFor.compareTo(Duration.ofSeconds(25)) < 0, "cut after " + trickledFor);
        // the cut says so, not "SocketException"
        String cutLogged = "The push of attempt " + outcome.path("attemptId").asText()
                + " was cut at its deadline, STK_INTERRUPTED_PUSH_WAIT_MS = 6000 ms after it started";
        await(BOUND, "the cut to be logged", () -> !logs.linesContaining(cutLogged).isEmpty());
        assertEquals(List.of(outcome.path("eventId").asText()),
                outcomes.eventsOf(intentId).stream().map(e -> e.path("eventId").asText()).toList(), "one event, no UNKNOWN");
        String orderId = outcome.path("orderId").asText();
        assertEquals(1, daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).count());
    }

    @Test
    void aPushWhoseAnswerNeverComesIsResolvedByACallbackThatCameFirst() {
        String intentId = pay(6000);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText());
        assertEquals("CALLBACK", outcome.path("source").asText());
        assertEquals(1, outcomes.eventsOf(intentId).size());
        // no push answer was recorded: the ids come from the callback, which names the push it decides
        assertEquals(sentCheckoutRequestId(outcome), outcome.path("checkoutRequestId").asText(), outcome.toString());
        assertFalse(outcome.path("merchantRequestId").asText().isEmpty(), outcome.toString());
    }

    private static String sentCheckoutRequestId(JsonNode outcome) {
        String orderId = outcome.path("orderId").asText();
        return daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).findFirst().orElseThrow()
                .checkoutRequestId();
    }

    /**
     * Daraja answers the push only once its callback was answered, so the callback reaches the bridge first whatever
     * the machine's load; the ledger shows it was stored before the push answer was recorded, kept, then applied.
     */
    @Test
    void aCallbackThatArrivesBeforeThePushAnswerIsKeptAndApplied() {
        daraja.answerPushesAfterTheirCallback(true);
        daraja.callbackDelay(Duration.ZERO);
        String intentId = pay(150);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText());
        assertEquals("CALLBACK", outcome.path("source").asText());
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"),
                outcomes.eventsOf(intentId).stream().map(e -> e.path("status").asText()).toList());
        assertEquals(List.of(List.of("APPLIED", "stored before the push answer")), stack.ledgerRows(
                "SELECT c.disposition, CASE WHEN c.received_at < a.push_answered_at THEN 'stored before the push answer' "
                        + "ELSE 'stored after the push answer' END FROM stk_callback c JOIN stk_attempt a "
                        + "ON a.attempt_id = c.attempt_id WHERE a.intent_id = '" + intentId + "'"));
    }

    @Test
    void duplicateCallbacksPublishOneFinalEvent() throws Exception {
        daraja.duplicateCallbacks(true);
        String intentId = pay(160);
        outcomes.awaitFinal(intentId, BOUND);
        String orderId = outcomes.eventsOf(intentId).get(0).path("orderId").asText();
        String checkout = daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).findFirst().orElseThrow().checkoutRequestId();
        await(BOUND, "both copies of the callback", () -> daraja.callbacksSent().stream()
                .filter(c -> c.checkoutRequestId().equals(checkout)).count() == 2);
        // a last pass of the relay would have published any second event by now
        String later = pay(161);
        outcomes.awaitFinal(later, BOUND);
        assertEquals(2, outcomes.eventsOf(intentId).size());
    }

    @Test
    void theSameIntentDeliveredTwiceIsPushedOnce() {
        String intentId = newId("intent");
        String body = IntentPublisher.intent(intentId, "ORD-TWICE", 170, "0708374149");
        intents.publish("ORD-TWICE", body);
        intents.publish("ORD-TWICE", body);
        outcomes.awaitFinal(intentId, BOUND);
        String later = pay(171);
        outcomes.awaitFinal(later, BOUND);
        assertEquals(2, outcomes.eventsOf(intentId).size());
        assertEquals(1, pushesFor(intentId));
    }

    @Test
    void aReusedIntentIdWithOtherContentGoesToTheDeadLetterTopicAndChangesNothing() {
        String intentId = newId("intent");
        intents.publish("ORD-REUSE", IntentPublisher.intent(intentId, "ORD-REUSE", 180, "0708374149"));
        outcomes.awaitFinal(intentId, BOUND);
        intents.publish("ORD-REUSE", IntentPublisher.intent(intentId, "ORD-REUSE", 999, "0708374149"));
        ConsumerRecord<String, String> dead = deadLetters.awaitRecords(r -> r.value().contains(intentId), 1, BOUND).get(0);
        assertEquals("DUPLICATE_INTENT_CONFLICT", header(dead, "stk_error_reason"));
        assertTrue(dead.value().contains("999"));
        assertEquals(2, outcomes.eventsOf(intentId).size());
        assertEquals(1, pushesFor(intentId));
    }

    @Test
    void invalidIntentsAreRejectedAndDeadLetteredAndTheConsumerGoesOn() {
        String invalid = newId("intent");
        intents.publish("k", "{\"intentId\":\"" + invalid + "\",\"orderId\":\"ORD-BAD\",\"amount\":12.5,\"phoneNumber\":\"0812345678\"}");
        intents.publish("k", "this is not json {");
        intents.publish("k", "{\"orderId\":\"no intent id\"}");
        String unknownMerchant = newId("intent");
        intents.publish("k", "{\"intentId\":\"" + unknownMerchant + "\",\"orderId\":\"ORD-M\",\"amount\":5,\"phoneNumber\":\"0712345678\",\"merchant\":\"nobody\"}");
        String valid = pay(190);

        JsonNode rejected = outcomes.awaitFinal(invalid, BOUND);
        assertEquals("REJECTED", rejected.path("status").asText());
        assertEquals("INVALID_INTENT", rejected.path("reason").asText());
        assertEquals("VALIDATION", rejected.path("source").asText());
        assertTrue(rejected.path("resultDesc").asText().contains("amount"), rejected.toString());
        assertEquals("UNKNOWN_MERCHANT", outcomes.awaitFinal(unknownMerchant, BOUND).path("reason").asText());
        assertEquals("SUCCEEDED", outcomes.awaitFinal(valid, BOUND).path("status").asText());

        // the records of one batch are processed in parallel, so they may reach the DLQ in any order: their source
        // offset tells the order they came in
        List<ConsumerRecord<String, String>> dead = new ArrayList<>(
                deadLetters.awaitRecords(r -> r.key() != null && r.key().equals("k"), 4, BOUND));
        dead.sort(Comparator.comparingLong(r -> Long.parseLong(header(r, "stk_source_offset"))));
        assertEquals(List.of("INVALID_INTENT", "UNREADABLE_INTENT", "UNREADABLE_INTENT", "UNKNOWN_MERCHANT"),
                dead.stream().map(r -> header(r, "stk_error_reason")).toList());
        assertEquals("this is not json {", dead.get(1).value());
        assertFalse(header(dead.get(1), "stk_error_message").isEmpty());
        assertEquals("mpesa.stk.intents", header(dead.get(1), "stk_source_topic"));
    }

    @Test
    void anExpiredTokenIsRenewedAndThePushGoesThrough() {
        outcomes.awaitFinal(pay(200), BOUND);
        int tokensBefore = daraja.tokenRequestCount();
        daraja.expireAllTokens();
        String intentId = pay(201);
        assertEquals("SUCCEEDED", outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        assertEquals(tokensBefore + 1, daraja.tokenRequestCount());
        assertEquals(1, pushesFor(intentId));
    }

    @Test
    void callbacksWithoutTheAttemptsTokenChangeNothing() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = pay(7000);
        await(BOUND, "ACCEPTED", () -> !outcomes.eventsOf(intentId).isEmpty());
        JsonNode accepted = outcomes.eventsOf(intentId).get(0);
        String attemptId = accepted.path("attemptId").asText();
        String checkout = accepted.path("checkoutRequestId").asText();
        String success = successCallback(checkout, 7000, PHONE);
        // forgeries say something other than the truth, so that one that was applied would show in the outcome
        String forgedCancel = """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":1032,
                 "ResultDesc":"Request cancelled by user"}}}""".formatted(checkout);

        assertEquals(403, post("/callbacks/stk/" + attemptId + "/forged-token", forgedCancel).statusCode());
        String otherAttemptsPath = callbackPath(UUID.randomUUID().toString());
        String otherAttemptsToken = otherAttemptsPath.substring(otherAttemptsPath.lastIndexOf('/'));
        assertEquals(403, post("/callbacks/stk/" + attemptId + otherAttemptsToken, forgedCancel).statusCode(),
                "a genuine token of another attempt");
        assertEquals(404, post("/callbacks/stk/" + attemptId, forgedCancel).statusCode());
        HttpResponse<String> malformed = post(callbackPath(attemptId), "{\"Body\":");
        assertEquals(400, malformed.statusCode());
        assertFalse(malformed.body().contains("Exception"));

        HttpResponse<String> genuine = post(callbackPath(attemptId), success);
        assertEquals(200, genuine.statusCode());
        assertEquals("{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}", genuine.body());
        JsonNode paid = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", paid.path("status").asText(), "a forged cancellation would have made it FAILED");
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"),
                outcomes.eventsOf(intentId).stream().map(e -> e.path("status").asText()).toList());
    }

    @Test
    void aSuccessCallbackWithoutItsProofIsNotTakenAsPaidAndDarajaDecides() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = pay(1032);                   // the customer cancels; a leaked callback URL says "paid"
        await(BOUND, "ACCEPTED", () -> !outcomes.eventsOf(intentId).isEmpty());
        JsonNode accepted = outcomes.eventsOf(intentId).get(0);
        String attemptId = accepted.path("attemptId").asText();
        String checkout = accepted.path("checkoutRequestId").asText();
        assertEquals(200, post(callbackPath(attemptId), successCallback(checkout, 1, PHONE)).statusCode(), "another amount");
        assertEquals(200, post(callbackPath(attemptId), successCallback(checkout, 1032, "254700000001")).statusCode(),
                "another phone");
        assertEquals(200, post(callbackPath(attemptId), """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":0,
                 "ResultDesc":"The service request is processed successfully."}}}""".formatted(checkout)).statusCode(),
                "no CallbackMetadata at all");
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", outcome.path("status").asText(), "decided by STK Query, asked at once: " + outcome);
        assertEquals("CANCELLED_BY_USER", outcome.path("reason").asText());
        assertEquals("QUERY", outcome.path("source").asText());
        assertTrue(outcome.path("mpesaReceiptNumber").isNull());
    }

    @Test
    void anOperatorCanForceAQueryOverHttpAndSeeTheNewState() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = pay(7000);
        await(BOUND, "ACCEPTED", () -> !outcomes.eventsOf(intentId).isEmpty());
        String checkout = outcomes.eventsOf(intentId).get(0).path("checkoutRequestId").asText();
        String path = "/api/attempts/" + checkout + "/query";

        assertEquals(401, stack.post(path, "", Map.of()).statusCode());
        HttpResponse<String> wrongKey = stack.post(path, "", Map.of("X-Api-Key", "guess"));
        assertEquals(401, wrongKey.statusCode());
        assertEquals("{\"error\":\"unauthorized\"}", wrongKey.body());
        assertEquals(404, stack.post("/api/attempts/ws_CO_nope/query", "", Map.of("X-Api-Key", TestStack.OPERATOR_KEY)).statusCode());

        await(BOUND, "the simulated customer to have paid", () -> {
            try {
                HttpResponse<String> answer = stack.post(path, "", Map.of("X-Api-Key", TestStack.OPERATOR_KEY));
                return answer.statusCode() == 200 && answer.body().contains("\"status\":\"SUCCEEDED\"");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode paid = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("QUERY", paid.path("source").asText());
        assertFalse(paid.path("receiptAvailable").asBoolean());
        assertTrue(paid.path("mpesaReceiptNumber").isNull());
    }

    @Test
    void aQueryCanBeRequestedOverKafkaAndBadRequestsAreDeadLettered() {
        daraja.dropCallbacks(true);
        String intentId = pay(1032);
        await(BOUND, "ACCEPTED", () -> !outcomes.eventsOf(intentId).isEmpty());
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), "mpesa.stk.query-requests")) {
            commands.publish("q", "{\"intentId\":\"no-such-intent\"}");
            commands.publish("q", "not json");
            await(BOUND, "a final outcome from a query command", () -> {
                commands.publish(intentId, "{\"intentId\":\"" + intentId + "\"}");
                return outcomes.eventsOf(intentId).stream().anyMatch(e -> e.path("final").asBoolean());
            });
        }
        JsonNode cancelled = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", cancelled.path("status").asText());
        assertEquals("CANCELLED_BY_USER", cancelled.path("reason").asText());
        assertEquals("QUERY", cancelled.path("source").asText());
        List<ConsumerRecord<String, String>> dead = deadLetters.awaitRecords(r -> "q".equals(r.key()), 2, BOUND);
        assertTrue(dead.stream().allMatch(r -> "INVALID_QUERY_REQUEST".equals(header(r, "stk_error_reason"))));
    }

    @Test
    void healthMetricsAndInfoAnswerOnTheManagementPort() throws Exception {
        outcomes.awaitFinal(pay(210), BOUND);
        HttpResponse<String> ready = stack.getManagement("/observe/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("UP"), ready.body());
        assertEquals(200, stack.getManagement("/observe/health/live").statusCode());
        HealthCheck check = HealthCheckRegistry.get(stack.app.context()).getCheck("ledger").orElseThrow();
        assertTrue(check.isReadiness() && !check.isLiveness(), "the ledger decides readiness only");
        var ledger = check.call();
        assertEquals(HealthCheck.State.UP, ledger.getState());
        assertTrue(ledger.getDetails().get("outbox.backlog") instanceof Long, "the backlog is reported");
        HttpResponse<String> metrics = stack.getManagement("/observe/metrics");
        assertEquals(200, metrics.statusCode());
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "metrics-sample.txt"), metrics.body());
        // README, Operations, lists these
        for (String meter : List.of("stk_intents_consumed_total ",
                "stk_pushes_total{merchant=\"default\",reason=\"none\",result=\"ACCEPTED\"}",
                "stk_outcomes_published_total{reason=\"none\",status=\"accepted\"}",
                "stk_outcomes_published_total{reason=\"none\",status=\"succeeded\"}",
                "stk_callbacks_received_total{disposition=\"APPLIED\",result=\"accepted\"}",
                "stk_callbacks_received_total{disposition=\"REFUSED\",result=\"rejected\"}",
                "stk_callbacks_received_total{disposition=\"UNKNOWN_ATTEMPT\",result=\"unmatched\"}",
                "stk_queries_answered_total{answer=\"FINAL\"}", "stk_queries_answered_total{answer=\"NO_ANSWER\"}",
                "stk_daraja_request_seconds_bucket{endpoint=\"push\",merchant=\"default\",status=\"200\",le=\"0.25\"}",
                "stk_daraja_request_seconds_count{endpoint=\"oauth\",merchant=\"default\",status=\"200\"}",
                "stk_daraja_token_refreshes_total{merchant=\"default\"}",
                "stk_attempts_in_flight ", "stk_attempts_oldest_pending_seconds ", "stk_outbox_backlog ",
                "stk_query_backlog ", "stk_query_backlog_drain_seconds ", "kafka_consumer_fetch_manager_records_lag_max{",
                "stk_intake_records_dropped_total{reason=\"revoked\"}")) {
            assertTrue(metrics.body().contains(meter), meter + " in\n" + metrics.body());
        }
        assertTrue(Pattern.compile("(?m)^kafka_consumer_fetch_manager_records_lag_max\\{.*client_id=\"consumer-stk-bridge-")
                .matcher(metrics.body()).find(), "the intents consumer's lag");
        for (String gauge : List.of("stk_outbox_backlog", "stk_attempts_in_flight", "stk_attempts_oldest_pending_seconds",
                "stk_query_backlog", "stk_query_backlog_drain_seconds")) {
            assertTrue(Pattern.compile("(?m)^" + gauge + " \\d").matcher(metrics.body()).find(), gauge + " has a value");
        }
        assertEquals(200, stack.getManagement("/observe/info").statusCode());
    }

    private static String callbackPath(String attemptId) {
        return stack.callbackPath(attemptId);
    }

    private static String successCallback(String checkoutRequestId, int amount, String phone) {
        return TestStack.successCallback(checkoutRequestId, amount, phone);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return stack.post(path, body, Map.of());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
