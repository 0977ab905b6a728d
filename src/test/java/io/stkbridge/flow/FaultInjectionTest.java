package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.ExpectedOutcomes;
import io.stkbridge.testing.TestStack;
import io.stkbridge.testing.TestStack.CutOff;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static io.stkbridge.testing.OutcomeCollector.effective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        return startStack(Map.of());
    }

    private TestStack startStack(Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(extra);
        properties.putAll(Map.of(
                "stk.query.sweep-interval-ms", "200",
                "stk.query.first-delay-ms", "1500",
                "stk.query.retry-base-ms", "300",
                "stk.query.retry-max-ms", "1000",
                "stk.query.give-up-after-ms", "20000",
                "stk.query.tps-per-shortcode", "100"));
        stack = TestStack.start(properties);
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

    /** Amounts whose scenario makes the push answer itself UNKNOWN (PUSH_OUTCOME_UNKNOWN): a 5xx after prompting, a read timeout. */
    private static final Set<Integer> UNKNOWN_BY_SCENARIO = Set.of(5100, 6000);

    private List<JsonNode> distinctEvents(Sent sent) {
        return stack.outcomes.distinctEventsOf(sent.intentId());
    }

    /**
     * Decided, and not UNKNOWN where Daraja's callback will still correct it: without a crash a 5100 is always
     * corrected by its callback; after one, every intent whose callback the bridge took (the others' may have been
     * sent while it was down).
     */
    private boolean settled(Sent sent, CutOff cutOff, Set<String> calledBack) {
        JsonNode effective = effective(distinctEvents(sent));
        if (effective == null) {
            return false;
        }
        boolean awaitsCorrection = cutOff == null ? sent.amount() == 5100 : calledBack.contains(sent.orderId());
        return !("UNKNOWN".equals(effective.path("status").asText()) && awaitsCorrection);
    }

    /**
     * The invariants, for every intent. After a crash ({@code cutOff} not null) an intent may end UNKNOWN only where
     * the crash or its scenario made it so and no callback it could be corrected by reached the bridge:
     * PUSH_INTERRUPTED only for attempts the crash left PENDING_PUSH, PUSH_OUTCOME_UNKNOWN only for the amounts whose
     * push answer is unclear by design.
     */
    private void assertInvariants(List<Sent> sent, CutOff cutOff) {
        await(BOUND, () -> "every intent to settle; unsettled: " + sent.stream()
                .filter(s -> !settled(s, cutOff, stack.ordersWithDeliveredCallback()))
                .map(s -> s + " " + stack.outcomes.eventsOf(s.intentId())).toList(), () -> {
            Set<String> calledBack = stack.ordersWithDeliveredCallback();
            return sent.stream().allMatch(s -> settled(s, cutOff, calledBack));
        });
        stack.outcomes.awaitFinal(stack.pay(150), BOUND);         // one more relay pass after the last decision

        Map<String, Long> pushesPerOrder = stack.daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        Set<String> calledBack = stack.ordersWithDeliveredCallback();
        for (Sent s : sent) {
            List<JsonNode> events = stack.outcomes.eventsOf(s.intentId());
            List<JsonNode> distinct = distinctEvents(s);
            if (cutOff == null) {
                assertEquals(events.size(), distinct.size(), s + " has a duplicated event: " + events);
            }
            long finals = distinct.stream().filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).count();
            long corrections = distinct.stream().filter(e -> e.path("correction").asBoolean()).count();
            long accepted = distinct.stream().filter(e -> "ACCEPTED".equals(e.path("status").asText())).count();
            assertEquals(1, finals, s + " must have exactly one final event: " + distinct);
            assertTrue(corrections <= 1, s + " was corrected more than once: " + distinct);
            assertTrue(accepted <= 1, s + " was accepted more than once: " + distinct);
            assertTrue(pushesPerOrder.getOrDefault(s.orderId(), 0L) <= 1, s + " was pushed twice");
            for (JsonNode unknown : distinct.stream().filter(e -> "UNKNOWN".equals(e.path("status").asText())).toList()) {
                String reason = unknown.path("reason").asText();
                boolean cutByTheCrash = cutOff != null && "PUSH_INTERRUPTED".equals(reason)
                        && cutOff.inFlightIntents().contains(s.intentId());
                boolean byScenario = "PUSH_OUTCOME_UNKNOWN".equals(reason) && UNKNOWN_BY_SCENARIO.contains(s.amount());
                assertTrue(cutByTheCrash || byScenario, s + " UNKNOWN " + reason + " neither cut off by the crash ("
                        + (cutOff == null ? "none" : cutOff.inFlightIntents().size() + " were") + ") nor by its scenario: " + distinct);
            }
            JsonNode effective = effective(distinct);
            String status = effective.path("status").asText();
            if (cutOff != null && "UNKNOWN".equals(status)) {
                assertFalse(calledBack.contains(s.orderId()), s + " stays UNKNOWN although the bridge took its callback: " + distinct);
            } else {
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
        assertInvariants(sent, null);
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

    /**
     * The crash comes while Daraja holds its answers to the pushes of the second half (longer than the crash's one
     * second of drain), so it really cuts pushes off: their attempts stay PENDING_PUSH.
     */
    @Test
    void aCrashMidBatchLosesNothingAndPushesNothingTwice() {
        startStack(TestStack.READ_TIMEOUT_ABOVE_HELD_ANSWERS);
        List<Integer> amounts = mix(150, 7L);
        List<Sent> sent = new ArrayList<>(publish(amounts.subList(0, 100), "crash"));
        await(BOUND, "part of the batch to be decided", () -> stack.outcomes.values().stream()
                .filter(e -> e.path("final").asBoolean()).count() >= 30);
        stack.daraja.pushLatency(TestStack.HELD_PUSH_ANSWER);
        sent.addAll(publish(amounts.subList(100, amounts.size()), "crash2"));
        CutOff cutOff = stack.crashCuttingOffPushes(3, Duration.ZERO);
        assertFalse(cutOff.pushedOrders().isEmpty(),
                "the crash cut off pushes Daraja had received (attempts left PENDING_PUSH): " + cutOff);
        stack.restartApp();
        assertInvariants(sent, cutOff);
    }
}
