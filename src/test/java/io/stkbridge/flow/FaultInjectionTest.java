package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.ExpectedOutcomes;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few hundred intents through a mix of Daraja faults — subscriber-busy refusals, 5xx after the customer was prompted, read
 * timeouts, dropped and duplicated callbacks, callbacks before the push answer, expired tokens, invalid and redelivered
 * intents — and a crash in the middle of a batch. The money invariants must hold for every intent. (Outages and
 * spike arrest, which pause every push, have their own tests: DarajaOutageTest, PaymentFlowTest.)
 */
class FaultInjectionTest {

    static final Duration BOUND = Duration.ofSeconds(120);

    static final Map<Integer, String> EXPECTED = ExpectedOutcomes.BY_AMOUNT;

    TestStack stack;

    @AfterEach
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    private TestStack startStack() {
        stack = TestStack.start(Map.of(
                "stk.query.sweep-interval-ms", "200",
                "stk.query.first-delay-ms", "1500",
                "stk.query.retry-base-ms", "300",
                "stk.query.retry-max-ms", "1000",
                "stk.query.give-up-after-ms", "20000",
                "stk.query.tps-per-shortcode", "100"));
        stack.daraja.callbackDelay(Duration.ofMillis(100));
        stack.daraja.duplicateCallbacks(true);
        return stack;
    }

    /** A deterministic mix: mostly payments that succeed, every fault represented several times. */
    private static List<Integer> mix(int count, long seed) {
        Random random = new Random(seed);
        List<Integer> faults = List.of(1032, 1037, 1111, 2001, 1019, 7000, 7000, 5100, 5001, 4002, 0);
        List<Integer> amounts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            amounts.add(random.nextInt(10) < 6 ? 100 + random.nextInt(40) : faults.get(random.nextInt(faults.size())));
        }
        for (int i = 0; i < 4; i++) {
            amounts.add(6000);                 // read timeout after the push was registered; callback comes first
        }
        return amounts;
    }

    private record Sent(String intentId, String orderId, int amount) {
    }

    private List<Sent> publish(List<Integer> amounts, String run) {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < amounts.size(); i++) {
            String orderId = run + "-" + i;
            String intentId = "fi-" + run + "-" + i;
            String intent = IntentPublisher.intent(intentId, orderId, amounts.get(i), "0708374149");
            stack.intents.publish(orderId, intent);
            if (i % 10 == 3) {
                stack.intents.publish(orderId, intent);        // redelivered by a retrying producer
            }
            if (i == amounts.size() / 3) {
                stack.daraja.expireAllTokens();
            }
            sent.add(new Sent(intentId, orderId, amounts.get(i)));
        }
        return sent;
    }

    /** Decided; a 5100 also corrected by its callback, unless a crash may have lost that callback. */
    private boolean settled(Sent sent, boolean afterCrash) {
        List<JsonNode> events = stack.outcomes.eventsOf(sent.intentId());
        boolean hasFinal = events.stream().anyMatch(e -> e.path("final").asBoolean());
        boolean awaitsCorrection = !afterCrash && sent.amount() == 5100
                && events.stream().noneMatch(e -> e.path("correction").asBoolean());
        return hasFinal && !awaitsCorrection;
    }

    /** The invariants, for every intent; {@code afterCrash} admits an UNKNOWN where the crash cut a push off. */
    private void assertInvariants(List<Sent> sent, boolean afterCrash) {
        try {
            await(BOUND, "every intent to settle", () -> sent.stream().allMatch(s -> settled(s, afterCrash)));
        } catch (AssertionError timeout) {
            throw new AssertionError(timeout.getMessage() + "; unsettled: " + sent.stream().filter(s -> !settled(s, afterCrash))
                    .map(s -> s + " " + stack.outcomes.eventsOf(s.intentId())).toList());
        }
        stack.outcomes.awaitFinal(stack.pay(150), BOUND);         // one more relay pass after the last decision

        Map<String, Long> pushesPerOrder = stack.daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        for (Sent s : sent) {
            List<JsonNode> events = stack.outcomes.eventsOf(s.intentId());
            Map<String, JsonNode> byEventId = events.stream()
                    .collect(Collectors.toMap(e -> e.path("eventId").asText(), Function.identity(), (a, b) -> a, LinkedHashMap::new));
            if (!afterCrash) {
                assertEquals(events.size(), byEventId.size(), s + " has a duplicated event: " + events);
            }
            List<JsonNode> distinct = List.copyOf(byEventId.values());
            long finals = distinct.stream().filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).count();
            long corrections = distinct.stream().filter(e -> e.path("correction").asBoolean()).count();
            long accepted = distinct.stream().filter(e -> "ACCEPTED".equals(e.path("status").asText())).count();
            assertEquals(1, finals, s + " must have exactly one final event: " + distinct);
            assertTrue(corrections <= 1, s + " was corrected more than once: " + distinct);
            assertTrue(accepted <= 1, s + " was accepted more than once: " + distinct);
            assertTrue(pushesPerOrder.getOrDefault(s.orderId(), 0L) <= 1, s + " was pushed twice");
            JsonNode effective = distinct.stream().filter(e -> e.path("correction").asBoolean()).findFirst()
                    .orElseGet(() -> distinct.stream().filter(e -> e.path("final").asBoolean()).findFirst().orElseThrow());
            String status = effective.path("status").asText();
            if (!(afterCrash && "UNKNOWN".equals(status))) {
                assertEquals(EXPECTED.get(s.amount()), status, s + ": " + distinct);
            }
            if ("SUCCEEDED".equals(status)) {
                assertEquals("0", effective.path("resultCode").asText(), "paid only with ResultCode 0");
            }
        }
    }

    @Test
    void aFewHundredIntentsThroughEveryFaultKeepTheInvariants() {
        startStack();
        List<Sent> sent = publish(mix(300, 20261123L), "mix");
        assertInvariants(sent, false);
    }

    @Test
    void outcomesDecidedWhileKafkaRefusesThemArePublishedOnceItTakesThemAgain() throws Exception {
        startStack();
        AtomicBoolean kafkaDown = new AtomicBoolean(true);
        AdviceWith.adviceWith(stack.app.context(), "outcome-relay", route -> route.weaveById("publish-outcome").before()
                .process(exchange -> {
                    if (kafkaDown.get()) {
                        throw new org.apache.kafka.common.errors.TimeoutException("injected: broker unreachable");
                    }
                }));
        List<String> intents = new ArrayList<>();
        for (int amount = 100; amount < 105; amount++) {
            intents.add(stack.pay(amount));
        }
        await(BOUND, "the ledger to decide every intent", () -> decidedInLedger(intents) == intents.size());
        intents.forEach(intentId -> assertEquals(List.of(), stack.outcomes.eventsOf(intentId), "nothing got through"));

        kafkaDown.set(false);
        for (String intentId : intents) {
            assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        }
        stack.outcomes.awaitFinal(stack.pay(150), BOUND);
        for (String intentId : intents) {
            List<JsonNode> events = stack.outcomes.eventsOf(intentId);
            assertEquals(List.of("ACCEPTED", "SUCCEEDED"), events.stream().map(e -> e.path("status").asText()).toList());
        }
    }

    private long decidedInLedger(List<String> intentIds) {
        try (var connection = stack.app.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class).getConnection();
             var select = connection.prepareStatement("SELECT intent_id FROM stk_attempt WHERE status = 'SUCCEEDED'");
             var rows = select.executeQuery()) {
            long decided = 0;
            while (rows.next()) {
                decided += intentIds.contains(rows.getString(1)) ? 1 : 0;
            }
            return decided;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCrashMidBatchLosesNothingAndPushesNothingTwice() {
        startStack();
        List<Sent> sent = publish(mix(150, 7L), "crash");
        await(BOUND, "part of the batch to be decided", () -> stack.outcomes.values().stream()
                .filter(e -> e.path("final").asBoolean()).count() >= 30);
        stack.crashAndRestartApp();
        assertInvariants(sent, true);
    }
}
