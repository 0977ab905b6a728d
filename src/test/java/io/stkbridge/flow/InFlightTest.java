package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.daraja.PushesInFlight;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static io.stkbridge.testing.OutcomeCollector.effective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pushes are in flight together, not one after the other: a batch from a single partition is pushed up to
 * STK_MAX_IN_FLIGHT at once, each intent once, each with one final outcome, and its offsets are committed. A crash in the
 * middle of such a batch loses nothing and pushes nothing twice.
 */
class InFlightTest {

    static final Duration BOUND = Duration.ofSeconds(120);
    static final int MAX_IN_FLIGHT = 64;
    static final String KEY = "one-partition";

    TestStack stack;

    @AfterEach
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    private void startStack() {
        startStack(Map.of());
    }

    private void startStack(Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(extra);
        properties.putAll(Map.of(
                "stk.max-in-flight", String.valueOf(MAX_IN_FLIGHT),
                "stk.kafka.max-poll-records", "200",
                "daraja.push-tps-per-shortcode", "1000",
                // callbacks sent while the app is down after a crash are lost: queries find those outcomes soon
                "stk.query.sweep-interval-ms", "200",
                "stk.query.first-delay-ms", "1000",
                "stk.query.tps-per-shortcode", "100"));
        stack = TestStack.start(properties);
        stack.daraja.pushLatency(Duration.ofMillis(500));
    }

    private record Sent(String intentId, String orderId) {
    }

    /**
     * Publishes {@code count} intents under one key (so on one partition) while the intake is stopped, then starts it:
     * the consumer finds them all waiting and takes them as one batch.
     */
    private List<Sent> publishWhileStopped(String run, int count, boolean withRedeliveries) throws Exception {
        stack.app.context().getRouteController().stopRoute("intake");
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String orderId = run + "-" + i;
            String intentId = "inflight-" + run + "-" + i;
            String intent = IntentPublisher.intent(intentId, orderId, 100 + i % 50, "0708374149");
            stack.intents.publish(KEY, intent);
            if (withRedeliveries && i % 10 == 5) {
                stack.intents.publish(KEY, intent);     // a retrying producer: the same intent again, same batch
            }
            sent.add(new Sent(intentId, orderId));
        }
        if (withRedeliveries) {                      // the same intentId with other content: a conflict
            stack.intents.publish(KEY, IntentPublisher.intent(sent.get(0).intentId(), sent.get(0).orderId(), 999, "0708374149"));
        }
        stack.app.context().getRouteController().startRoute("intake");
        return sent;
    }

    private Map<String, Long> pushesPerOrder() {
        return stack.daraja.pushes().stream().collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
    }

    private List<JsonNode> distinctEvents(Sent sent) {
        return stack.outcomes.distinctEventsOf(sent.intentId());
    }

    private static long finals(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).count();
    }

    @Test
    void aBatchFromOnePartitionIsPushedManyAtOnceEachIntentOnce() throws Exception {
        startStack();
        List<Sent> sent = publishWhileStopped("par", 100, true);

        await(BOUND, "every intent to be final", () -> sent.stream().allMatch(s -> finals(distinctEvents(s)) >= 1));
        int concurrent = stack.daraja.maxConcurrentPushes();
        assertTrue(concurrent >= 50, "pushes were in flight together, not one at a time: at most " + concurrent + " at once");
        PushesInFlight inFlight = stack.app.context().getRegistry().lookupByNameAndType("pushesInFlight", PushesInFlight.class);
        assertTrue(inFlight.peak() <= MAX_IN_FLIGHT, "never more than STK_MAX_IN_FLIGHT: " + inFlight.peak());
        await(BOUND, "no push under way any more", () -> inFlight.now() == 0);

        Map<String, Long> pushes = pushesPerOrder();
        assertEquals(sent.size(), stack.daraja.pushCount(), "one push per intent, redelivered copies included");
        for (Sent s : sent) {
            assertEquals(1L, pushes.getOrDefault(s.orderId(), 0L), s + " pushed exactly once");
            List<JsonNode> events = distinctEvents(s);
            assertEquals(1, finals(events), s + " has exactly one final outcome: " + events);
            assertEquals("SUCCEEDED", events.stream().filter(e -> e.path("final").asBoolean()).findFirst().orElseThrow()
                    .path("status").asText(), s.toString());
        }
        var conflict = stack.deadLetters.awaitRecords(r -> r.value().contains(sent.get(0).intentId()), 1, BOUND).get(0);
        assertEquals("DUPLICATE_INTENT_CONFLICT",
                new String(conflict.headers().lastHeader("stk_error_reason").value(), StandardCharsets.UTF_8));
        awaitBatchCommitted();
    }

    /** The consumer group's committed offset reaches the end of the intents partition the records went to. */
    private void awaitBatchCommitted() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
            await(BOUND, "the batch's offsets to be committed", () -> {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("stk-bridge")
                            .partitionsToOffsetAndMetadata().get();
                    return committed.entrySet().stream().filter(e -> e.getKey().topic().equals("mpesa.stk.intents"))
                            .allMatch(e -> {
                                try {
                                    long end = admin.listOffsets(Map.of(e.getKey(), OffsetSpec.latest())).all().get()
                                            .get(e.getKey()).offset();
                                    return e.getValue() != null && e.getValue().offset() == end;
                                } catch (Exception failure) {
                                    return false;
                                }
                            }) && !committed.isEmpty();
                } catch (Exception failure) {
                    return false;
                }
            });
        }
    }

    /**
     * The crash comes while pushes wait for Daraja's answer (held longer than the crash's one second of drain), so it
     * really cuts some off: their attempts stay PENDING_PUSH. After the restart their intents are read again and never
     * pushed again; only they may end UNKNOWN (PUSH_INTERRUPTED), unless a callback told their outcome.
     */
    @Test
    void aCrashInTheMiddleOfABatchLosesNothingAndPushesNothingTwice() throws Exception {
        startStack(TestStack.READ_TIMEOUT_ABOVE_HELD_ANSWERS);
        List<Sent> sent = publishWhileStopped("crash", 150, false);
        await(BOUND, "the batch to be half way", () -> stack.daraja.pushCount() >= 40);
        TestStack.CutOff cutOff = stack.crashCuttingOffPushes(5, Duration.ofMillis(500));
        int pushedBeforeCrash = stack.daraja.pushCount();
        assertTrue(pushedBeforeCrash < sent.size(), "the crash comes in the middle of the batch");
        assertFalse(cutOff.pushedOrders().isEmpty(),
                "the crash cut off pushes Daraja had received (attempts left PENDING_PUSH): " + cutOff);
        stack.restartApp();

        // final, and corrected where the bridge took a callback that can still correct an UNKNOWN
        await(BOUND, "every intent to be final", () -> {
            Set<String> tookCallback = stack.ordersWithDeliveredCallback();
            return sent.stream().allMatch(s -> finals(distinctEvents(s)) >= 1 && !(tookCallback.contains(s.orderId())
                    && "UNKNOWN".equals(effective(distinctEvents(s)).path("status").asText())));
        });
        Map<String, Long> pushes = pushesPerOrder();
        Set<String> calledBack = stack.ordersWithDeliveredCallback();
        for (Sent s : sent) {
            long pushed = pushes.getOrDefault(s.orderId(), 0L);
            assertTrue(pushed <= 1, s + " was pushed " + pushed + " times");
            List<JsonNode> events = distinctEvents(s);
            assertEquals(1, finals(events), s + " has exactly one final outcome: " + events);
            JsonNode effective = effective(events);
            for (JsonNode unknown : events.stream().filter(e -> e.path("status").asText().equals("UNKNOWN")).toList()) {
                // even one corrected later: an intent whose push answer was recorded is never published UNKNOWN here
                assertEquals("PUSH_INTERRUPTED", unknown.path("reason").asText(), s + ": " + events);
                assertTrue(cutOff.inFlightIntents().contains(s.intentId()),
                        s + " was published UNKNOWN but the crash did not cut its push off: " + events);
            }
            String status = effective.path("status").asText();
            if (status.equals("UNKNOWN")) {
                assertFalse(calledBack.contains(s.orderId()), s + " stays UNKNOWN although the bridge took its callback: " + events);
            } else {
                assertEquals("SUCCEEDED", status, s + ": " + events);
                assertEquals(1, pushed, s + " succeeded, so it was pushed");
            }
        }
        assertTrue(stack.daraja.pushCount() > pushedBeforeCrash, "the rest of the batch was pushed after the restart");
    }
}
