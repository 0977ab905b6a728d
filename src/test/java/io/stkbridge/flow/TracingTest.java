package io.stkbridge.flow;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.stkbridge.Tracing;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.InMemoryTraces;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.stkbridge.testing.OutcomeCollector.header;

/**
 * Tracing on through OTEL_* (the SDK's in-memory exporter): the trace context an order service puts on an intent record
 * (traceparent and tracestate) is continued by the bridge's spans, its Daraja push among them, by the work of its
 * callback and of the STK Queries that decide it later in exchanges of their own (a sweep's, an operator's over HTTP, a
 * Kafka command's), and reaches its outcome records; a dead-lettered record keeps it. Callback and API requests (their
 * URLs carry tokens and phone numbers) have no span, no span carries a secret or a phone number, and Daraja gets the
 * trace context but none of the exchange's other headers.
 */
class TracingTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static final String TRACE_STATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    static TestStack stack;

    @BeforeAll
    static void start() {
        InMemoryTraces.SPANS.reset();
        Map<String, String> sweeper = new HashMap<>(TestStack.FAST_SWEEPER);
        // callbacks (150 ms) decide the attempts whose callback is not dropped, well before their first query; one whose
        // queries are answered "still being processed" stays ACCEPTED while a test asks for more
        sweeper.put("stk.query.first-delay-ms", "2000");
        sweeper.put("stk.query.give-up-after-ms", "120000");
        // an outage lasts as long as a test needs: its deferred pushes wait for it, never fail
        sweeper.put("daraja.outage-give-up-ms", "600000");
        stack = TestStack.startWithEnvironment(sweeper, Map.of(
                "OTEL_TRACES_EXPORTER", "memory",
                "OTEL_BSP_SCHEDULE_DELAY", "50"));
    }

    @AfterEach
    void darajaAsUsual() {
        stack.daraja.oauthUnavailable(false);
        stack.daraja.dropCallbacks(false);
        stack.daraja.callbackDelay(Duration.ofMillis(150));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void eachIntentsTraceContinuesThroughItsDarajaPushAndCallbackToItsOutcomeRecords() throws Exception {
        // several intents at once, on the intake's threads side by side: each keeps its own trace
        Map<String, String> traceByIntent = new LinkedHashMap<>();
        Map<String, String> orderByIntent = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            String traceId = newTraceId();
            String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
            String orderId = ("ORD-" + UUID.randomUUID()).substring(0, 12);
            traceByIntent.put(intentId, traceId);
            orderByIntent.put(intentId, orderId);
            stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 100, "0708 374 149"), traceContext(traceId));
        }

        traceByIntent.forEach((intentId, traceId) -> {
            assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
            awaitSpan(traceId, "the Daraja push", s -> attributes(s).contains("/mpesa/stkpush/v1/processrequest"));
            assertTrue(spans(traceId).stream().anyMatch(s -> "default".equals(
                    s.getAttributes().get(AttributeKey.stringKey(Tracing.MERCHANT_ATTRIBUTE)))), "the merchant is named");
            String orderId = orderByIntent.get(intentId);
            await(BOUND, "Daraja's callback to reach the bridge", () -> stack.ordersWithDeliveredCallback().contains(orderId));
            awaitSpan(traceId, "the callback's work", s -> s.getName().contains("apply-callback"));
            List<ConsumerRecord<String, String>> outcomes = outcomeRecordsOf(intentId);
            assertEquals(List.of("ACCEPTED", "SUCCEEDED"), outcomes.stream()
                    .map(r -> OutcomeCollector.json(r.value()).path("status").asText()).toList());
            assertEquals("CALLBACK", OutcomeCollector.json(outcomes.get(1).value()).path("source").asText());
            outcomes.forEach(outcome -> assertContinues(traceId, outcome));
        });
        assertNoSecretInAnySpan();
        // the AsyncAPI document describes the outcome records' headers, trace context included
        JsonSchema described = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(OutcomeCollector.json(stack.get("/api/asyncapi.json", Map.of()).body())
                        .at("/components/messages/outcomeEvent/headers"));
        for (String intentId : traceByIntent.keySet()) {
            for (ConsumerRecord<String, String> outcome : outcomeRecordsOf(intentId)) {
                assertEquals(Set.of(), described.validate(AsyncApiContractTest.headersOf(outcome)), outcome.toString());
            }
        }
    }

    @Test
    void anAttemptWhoseCallbackIsLostIsQueriedInItsIntentsTraceAndItsOutcomeRecordContinuesIt() {
        stack.daraja.dropCallbacks(true);
        String traceId = newTraceId();
        String intentId = publishTracedIntent(traceId);

        var paid = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", paid.path("status").asText());
        assertEquals("QUERY", paid.path("source").asText(), "decided by the sweeper's query, the callback being lost");
        awaitSpan(traceId, "the sweeper's query", s -> "SWEEP".equals(trigger(s)));
        awaitSpan(traceId, "the STK Query's HTTP call", s -> attributes(s).contains("/mpesa/stkpushquery/v1/query"));
        assertTrue(spans(traceId).stream().anyMatch(s -> "SWEEP".equals(trigger(s)) && "default".equals(
                s.getAttributes().get(AttributeKey.stringKey(Tracing.MERCHANT_ATTRIBUTE)))), "the query names its merchant");
        List<ConsumerRecord<String, String>> outcomes = outcomeRecordsOf(intentId);
        assertEquals(2, outcomes.size());
        outcomes.forEach(outcome -> assertContinues(traceId, outcome));
        assertNoSecretInAnySpan();
    }

    @Test
    void queriesAnOperatorOrAKafkaCommandForcesAreInTheAttemptsTrace() throws Exception {
        // no callback, and every query answered "still being processed": the attempt stays ACCEPTED meanwhile
        stack.daraja.dropCallbacks(true);
        stack.daraja.callbackDelay(Duration.ofMinutes(10));
        String traceId = newTraceId();
        String intentId = publishTracedIntent(traceId);
        String checkout = stack.checkoutOf(intentId, BOUND);

        String byQueryParameter = "/api/attempts/" + checkout + "/query?traceparent=00-" + newTraceId() + "-00f067aa0ba902b7-01";
        assertEquals(200, stack.post(byQueryParameter, "", Map.of("X-Api-Key", TestStack.OPERATOR_KEY,
                "traceparent", "00-" + newTraceId() + "-00f067aa0ba902b7-01")).statusCode());
        awaitSpan(traceId, "the query an operator forced", s -> "HTTP".equals(trigger(s)));
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), "mpesa.stk.query-requests")) {
            // the command's own trace context names another trace: the query is its attempt's
            commands.publish(intentId, "{\"checkoutRequestId\":\"" + checkout + "\"}", Map.of(
                    "traceparent", "00-" + newTraceId() + "-00f067aa0ba902b7-01"));
        }
        awaitSpan(traceId, "the query a Kafka command forced", s -> "KAFKA".equals(trigger(s)));
        assertNoSecretInAnySpan();
    }

    @Test
    void aPushDeferredByADarajaOutageIsSentLaterInItsIntentsTrace() {
        // no token to be had: the push reaches nobody, and the attempt waits DEFERRED
        stack.daraja.oauthUnavailable(true);
        stack.daraja.expireAllTokens();
        String traceId = newTraceId();
        String intentId = publishTracedIntent(traceId);
        await(BOUND, "the attempt to wait DEFERRED", () -> stack.ledger().findByIntent(intentId)
                .map(a -> a.status() == Status.DEFERRED).orElse(false));
        stack.daraja.oauthUnavailable(false);

        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        // the intake's run of the push, and the deferred-pushes sweep's, which went through
        await(BOUND, () -> "two runs of the push in trace " + traceId + "; spans: " + describe(), () -> spans(traceId).stream()
                .filter(s -> s.getName().equals("stk-push") && attributes(s).contains("op=EVENT_RECEIVED")).count() >= 2);
        awaitSpan(traceId, "the Daraja push", s -> attributes(s).contains("/mpesa/stkpush/v1/processrequest")
                && attributes(s).contains("http.status_code=200"));
        outcomeRecordsOf(intentId).forEach(outcome -> assertContinues(traceId, outcome));
    }

    @Test
    void aDeadLetteredIntentKeepsItsTraceContext() {
        String traceId = newTraceId();
        String key = "dead-" + UUID.randomUUID();
        stack.intents.publish(key, "not an intent", traceContext(traceId));

        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> key.equals(r.key()), 1, BOUND).get(0);
        assertEquals("UNREADABLE_INTENT", header(dead, "stk_error_reason"));
        assertTrue(header(dead, "traceparent").startsWith("00-" + traceId + "-"), header(dead, "traceparent"));
        assertEquals(TRACE_STATE, header(dead, "tracestate"));
    }

    @Test
    void darajaGetsTheTraceContextAndNoOtherHeaderOfTheExchange() {
        // not the baggage either: what an order service puts there is not for Safaricom
        stack.daraja.dropCallbacks(true);
        String orderId = ("ORD-" + UUID.randomUUID()).substring(0, 12);
        String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> headers = new HashMap<>(traceContext(newTraceId()));
        headers.put("baggage", "customer.id=C-1234");
        stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 100, "0708 374 149"), headers);
        await(BOUND, "a query to have been sent", () -> stack.queriesFor(stack.checkoutOf(intentId, BOUND)) > 0);
        for (String path : List.of("/mpesa/stkpush/v1/processrequest", "/mpesa/stkpushquery/v1/query")) {
            Set<String> sent = stack.daraja.requestHeaderNames(path);
            assertTrue(sent.contains("traceparent"), path + ": " + sent);
            assertTrue(Set.of("authorization", "content-type", "content-length", "host", "connection", "user-agent",
                    "accept-encoding", "traceparent", "tracestate").containsAll(sent), path + " got " + sent);
        }
    }

    private static String publishTracedIntent(String traceId) {
        String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        String orderId = ("ORD-" + UUID.randomUUID()).substring(0, 12);
        stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 100, "0708 374 149"), traceContext(traceId));
        return intentId;
    }

    private static Map<String, String> traceContext(String traceId) {
        return Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01", "tracestate", TRACE_STATE);
    }

    private static String newTraceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static List<ConsumerRecord<String, String>> outcomeRecordsOf(String intentId) {
        return stack.outcomes.records().stream().filter(r -> r.value().contains(intentId)).toList();
    }

    private static void assertContinues(String traceId, ConsumerRecord<String, String> outcome) {
        assertTrue(header(outcome, "traceparent").startsWith("00-" + traceId + "-"),
                "the outcome record continues its intent's trace " + traceId + ": " + header(outcome, "traceparent"));
        assertEquals(TRACE_STATE, header(outcome, "tracestate"), "the outcome record carries its intent's tracestate");
    }

    private static void awaitSpan(String traceId, String what, java.util.function.Predicate<SpanData> which) {
        await(BOUND, () -> "a span of " + what + " in trace " + traceId + "; spans: " + describe(),
                () -> spans(traceId).stream().anyMatch(which));
    }

    private static void assertNoSecretInAnySpan() {
        for (SpanData span : InMemoryTraces.SPANS.getFinishedSpanItems()) {
            assertFalse(attributes(span).contains("platform-http"), "callback and API requests are not traced: " + span);
            String attributes = span.getName() + " " + attributes(span);
            for (String secret : List.of(TestStack.PASSKEY, TestStack.CONSUMER_SECRET, TestStack.CALLBACK_SECRET,
                    TestStack.OPERATOR_KEY, "/callbacks/stk/", "254708374149", "0708 374 149", "708374149")) {
                assertFalse(attributes.contains(secret), "a span carries " + secret + ": " + attributes);
            }
        }
    }

    private static String trigger(SpanData span) {
        return span.getAttributes().get(AttributeKey.stringKey(Tracing.QUERY_TRIGGER_ATTRIBUTE));
    }

    private static List<SpanData> spans(String traceId) {
        return InMemoryTraces.SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static String attributes(SpanData span) {
        return span.getAttributes().asMap().toString();
    }

    private static String describe() {
        return InMemoryTraces.SPANS.getFinishedSpanItems().stream()
                .map(s -> s.getTraceId() + " " + s.getName() + " " + attributes(s)).toList().toString();
    }
}
