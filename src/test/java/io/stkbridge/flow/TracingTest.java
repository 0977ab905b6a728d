package io.stkbridge.flow;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.stkbridge.Tracing;
import io.stkbridge.testing.InMemoryTraces;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.stkbridge.testing.OutcomeCollector.header;

/**
 * Tracing on through OTEL_* (the SDK's in-memory exporter): the trace context an order service puts on an intent record
 * is continued by the bridge's spans, its Daraja push among them, up to its outcome records (the SUCCEEDED one decided
 * by a callback, in another exchange, included); callback requests (their URLs carry tokens) have no
 * span, and no span carries a secret or a phone number.
 */
class TracingTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static TestStack stack;

    @BeforeAll
    static void start() {
        InMemoryTraces.SPANS.reset();
        stack = TestStack.startWithEnvironment(Map.of(), Map.of(
                "OTEL_TRACES_EXPORTER", "memory",
                "OTEL_BSP_SCHEDULE_DELAY", "50"));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void eachIntentsTraceContinuesThroughItsDarajaPushToItsOutcomeRecords() {
        // several intents at once, on the intake's threads side by side: each keeps its own trace
        Map<String, String> traceByIntent = new LinkedHashMap<>();
        Map<String, String> orderByIntent = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            String traceId = UUID.randomUUID().toString().replace("-", "");
            String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
            String orderId = ("ORD-" + UUID.randomUUID()).substring(0, 12);
            traceByIntent.put(intentId, traceId);
            orderByIntent.put(intentId, orderId);
            stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 100, "0708 374 149"),
                    Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
        }

        traceByIntent.forEach((intentId, traceId) -> {
            assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
            await(BOUND, () -> "a span of the Daraja push in trace " + traceId + "; spans: " + describe(), () -> spans(traceId)
                    .stream().anyMatch(s -> attributes(s).contains("/mpesa/stkpush/v1/processrequest")));
            assertTrue(spans(traceId).stream().anyMatch(s -> "default".equals(
                    s.getAttributes().get(AttributeKey.stringKey(Tracing.MERCHANT_ATTRIBUTE)))), "the merchant is named");
            String orderId = orderByIntent.get(intentId);
            await(BOUND, "Daraja's callback to reach the bridge", () -> stack.ordersWithDeliveredCallback().contains(orderId));
            List<ConsumerRecord<String, String>> outcomes = stack.outcomes.records().stream()
                    .filter(r -> r.value().contains(intentId)).toList();
            assertEquals(List.of("ACCEPTED", "SUCCEEDED"), outcomes.stream()
                    .map(r -> OutcomeCollector.json(r.value()).path("status").asText()).toList());
            for (ConsumerRecord<String, String> outcome : outcomes) {
                assertTrue(header(outcome, "traceparent").startsWith("00-" + traceId + "-"),
                        "the outcome record continues its intent's trace " + traceId + ": " + header(outcome, "traceparent"));
            }
        });
        for (SpanData span : InMemoryTraces.SPANS.getFinishedSpanItems()) {
            assertFalse(attributes(span).contains("platform-http"), "callback and API requests are not traced: " + span);
            String attributes = span.getName() + " " + attributes(span);
            for (String secret : List.of(TestStack.PASSKEY, TestStack.CONSUMER_SECRET, TestStack.CALLBACK_SECRET,
                    "254708374149", "0708 374 149", "708374149")) {
                assertFalse(attributes.contains(secret), "a span carries " + secret + ": " + attributes);
            }
        }
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
