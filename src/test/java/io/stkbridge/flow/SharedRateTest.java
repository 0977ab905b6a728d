package io.stkbridge.flow;

import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.ReceivedQuery;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.StackLedger;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-shortcode rates are the merchant's total, however many instances run: two instances on one PostgreSQL ledger,
 * each pushing from its own partitions and querying (every callback lost) from its own sweeps, together send no more
 * pushes and no more queries per second than configured, counted at the simulator per shortcode and second. With the
 * old per-instance limiter they sent twice the rate.
 *
 * <p>PostgreSQL only (skipped without it, unless STK_REQUIRE_POSTGRES=true): an H2 ledger has one instance.
 */
class SharedRateTest {

    /** Pushes faster than queries, so that a backlog of queries builds up on both instances. */
    static final int PUSH_RATE = 6;
    static final int QUERY_RATE = 3;
    static final int INTENTS = 36;
    /** Evenly spaced turns put at most the rate's requests in a second; one more where a request's way to the simulator straddles a second's edge. */
    static final int EDGE_TOLERANCE = 1;

    @Test
    void twoInstancesOnOnePostgresqlLedgerSendNoMoreThanTheConfiguredPushAndQueryRates() throws Exception {
        StackLedger ledger = StackLedger.postgres();
        TestStack stack = null;
        StkBridgeInstance second = null;
        try {
            Map<String, String> properties = new HashMap<>(ledger.properties());
            properties.putAll(Map.of(
                    "daraja.push-tps-per-shortcode", String.valueOf(PUSH_RATE),
                    "stk.query.tps-per-shortcode", String.valueOf(QUERY_RATE),
                    "stk.query.sweep-interval-ms", "1000",
                    "stk.query.first-delay-ms", "500",
                    "stk.query.retry-base-ms", "300",
                    "stk.query.retry-max-ms", "600",
                    "stk.query.give-up-after-ms", "300000",
                    "stk.instance-id", "inst-a"));
            stack = TestStack.start(properties);
            stack.daraja.dropCallbacks(true);
            second = stack.startAnotherApp(Map.of("stk.instance-id", "inst-b", "camel.main.name", "stk-bridge-b"));
            awaitIntentsPartitionsOnBoth(stack);

            TestStack running = stack;
            List<String> intents = IntStream.range(0, INTENTS).mapToObj(i -> running.pay(100)).toList();
            intents.forEach(intentId -> assertEquals("QUERY",
                    running.outcomes.awaitFinal(intentId, Duration.ofMinutes(3)).path("source").asText()));

            List<ReceivedPush> pushes = stack.daraja.pushes();
            int secondPort = second.httpPort();
            long pushedBySecond = pushes.stream().filter(push -> push.callbackUrl().contains(":" + secondPort + "/")).count();
            assertTrue(pushedBySecond > 0 && pushedBySecond < pushes.size(), "both instances pushed (" + pushedBySecond
                    + " of " + pushes.size() + " by the second), or this proves nothing");
            assertEquals(Set.of("inst-a", "inst-b"), Set.copyOf(stack.ledgerRows("SELECT DISTINCT queried_by FROM stk_query")
                    .stream().map(row -> row.get(0)).toList()), "both instances queried");

            assertAtMostTheRate("pushes", PUSH_RATE, pushes, ReceivedPush::shortcode, ReceivedPush::receivedAt);
            assertAtMostTheRate("queries", QUERY_RATE, stack.daraja.queries(), ReceivedQuery::shortcode, ReceivedQuery::receivedAt);
        } finally {
            if (second != null) {
                second.close();
            }
            ledger.closeAfter(stack);
        }
    }

    /** Per shortcode: no second above the rate (but for its edge), and no more than the rate over the whole run (but for its start). */
    private static <T> void assertAtMostTheRate(String what, int rate, List<T> requests, Function<T, String> shortcode,
                                                Function<T, Instant> receivedAt) {
        Map<String, List<T>> byShortcode = requests.stream().collect(Collectors.groupingBy(shortcode));
        byShortcode.forEach((code, sent) -> {
            TreeMap<Long, Long> perSecond = sent.stream().collect(Collectors.groupingBy(
                    request -> receivedAt.apply(request).getEpochSecond(), TreeMap::new, Collectors.counting()));
            String counts = what + " of " + code + " per second: " + perSecond.values();
            System.out.println("SharedRateTest: " + counts);
            assertTrue(perSecond.values().stream().allMatch(count -> count <= rate + EDGE_TOLERANCE),
                    "never more than " + rate + " in a second, counting both instances: " + counts);
            Instant first = sent.stream().map(receivedAt).min(Instant::compareTo).orElseThrow();
            Instant last = sent.stream().map(receivedAt).max(Instant::compareTo).orElseThrow();
            double seconds = Duration.between(first, last).toMillis() / 1000.0;
            // a second's worth of slack: the first turns also wait for each instance's first OAuth token on their way
            assertTrue(sent.size() <= rate * (seconds + 1) + 1, sent.size() + " " + what + " in " + seconds + " s: " + counts);
        });
    }

    /** The second instance has joined the consumer group and holds intents partitions, as the first does. */
    private static void awaitIntentsPartitionsOnBoth(TestStack stack) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
            OutcomeCollector.await(Duration.ofSeconds(60), "both instances to hold intents partitions", () -> {
                try {
                    return admin.describeConsumerGroups(List.of("stk-bridge")).all().get(10, TimeUnit.SECONDS)
                            .get("stk-bridge").members().stream().map(MemberDescription::assignment)
                            .filter(assignment -> assignment.topicPartitions().stream()
                                    .anyMatch(partition -> partition.topic().equals("mpesa.stk.intents")))
                            .count() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }
}
