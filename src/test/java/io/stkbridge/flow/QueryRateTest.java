package io.stkbridge.flow;

import io.stkbridge.simulator.ReceivedQuery;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recovery at the query rate: with every callback lost, the sweeper resolves the backlog by STK Query at the configured
 * per-shortcode rate (it claims rate × interval per sweep and paces the queries), and never faster. The simulator counts
 * the queries it receives per second. Only this instance's rate: sharing it across instances is not built yet.
 */
class QueryRateTest {

    static final int RATE = 5;
    static final int INTENTS = 60;
    /** The old sweeper sent one rate's burst per sweep: RATE / 3 queries per second with this interval. */
    static final long SWEEP_INTERVAL_MS = 3000;

    @Test
    void aBacklogOfLostCallbacksIsQueriedAtTheConfiguredRateAndNeverFaster() throws Exception {
        try (TestStack stack = TestStack.start(Map.of(
                "stk.query.sweep-interval-ms", String.valueOf(SWEEP_INTERVAL_MS),
                "stk.query.first-delay-ms", "500",
                "stk.query.retry-base-ms", "300",
                "stk.query.retry-max-ms", "600",
                "stk.query.tps-per-shortcode", String.valueOf(RATE)))) {
            stack.daraja.dropCallbacks(true);
            List<String> intents = IntStream.range(0, INTENTS).mapToObj(i -> stack.pay(100)).toList();
            intents.forEach(intentId -> assertEquals("QUERY",
                    stack.outcomes.awaitFinal(intentId, Duration.ofMinutes(3)).path("source").asText()));

            List<ReceivedQuery> queries = stack.daraja.queries();
            TreeMap<Long, Long> perSecond = queries.stream().collect(Collectors.groupingBy(
                    query -> query.receivedAt().getEpochSecond(), TreeMap::new, Collectors.counting()));
            long seconds = perSecond.lastKey() - perSecond.firstKey() + 1;
            String counts = "queries per second: " + perSecond.values();
            assertTrue(queries.size() >= RATE * seconds / 2, "the rate is reached (at least half of it on average over "
                    + seconds + " s; the old sweeper managed a third): " + counts);
            // queries are evenly spaced; the slack is for the way from the limiter to the simulator
            assertTrue(perSecond.values().stream().allMatch(count -> count <= RATE + 2), "never a burst above it: " + counts);
            assertTrue(queries.size() <= RATE * seconds + 1, "never faster than the rate: " + counts);
        }
    }
}
