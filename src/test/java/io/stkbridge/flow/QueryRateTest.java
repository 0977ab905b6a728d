package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.simulator.ReceivedQuery;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
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
 * per-shortcode rate (each sweep tops a queue up to rate × (interval + 1 s) and the queries take their turns), and never
 * faster. The simulator counts
 * the queries it receives per second. A query forced over HTTP goes ahead of the sweep's queries waiting for their turn.
 * The rate shared by several instances: {@link SharedRateTest}.
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

    @Test
    void aForcedQueryGoesAheadOfTheSweepsQueriesWaitingForTheirTurn() throws Exception {
        try (TestStack stack = TestStack.start(Map.of(
                // each sweep queues 12 (2 per second × (5 s + 1 s)); they wait for their turns, 500 ms apart
                "stk.query.sweep-interval-ms", "5000",
                "stk.query.first-delay-ms", "500",
                "stk.query.give-up-after-ms", "300000",
                "stk.query.tps-per-shortcode", "2"))) {
            stack.daraja.dropCallbacks(true);
            List<String> intents = IntStream.range(0, 16).mapToObj(i -> stack.pay(100)).toList();
            intents.forEach(intentId -> stack.checkoutOf(intentId, Duration.ofMinutes(1)));
            String waitingForTheirTurn = "SELECT checkout_request_id FROM stk_attempt a WHERE status = 'ACCEPTED' "
                    + "AND claimed_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stk_query q WHERE q.attempt_id = a.attempt_id)";
            OutcomeCollector.await(Duration.ofMinutes(1), "a sweep's claims waiting for their turns",
                    () -> stack.ledgerRows(waitingForTheirTurn).size() >= 5);
            String forced = stack.ledgerRows("SELECT checkout_request_id FROM stk_attempt WHERE status = 'ACCEPTED' "
                    + "AND claimed_by IS NULL").get(0).get(0);

            // the dashboard's backlog: what is due, and its drain time at 2 per second
            JsonNode backlog = new ObjectMapper().readTree(stack.get("/api/summary", Map.of("X-Api-Key", TestStack.READER_KEY))
                    .body()).path("queryBacklog");
            assertTrue(backlog.path("attempts").asLong() >= 1, "at least the attempt about to be forced: " + backlog);
            assertEquals((long) Math.ceil(backlog.path("attempts").asLong() / 2.0), backlog.path("drainSeconds").asLong(),
                    backlog.toString());

            List<String> waiting = stack.ledgerRows(waitingForTheirTurn).stream().map(row -> row.get(0)).toList();
            int sentBefore = stack.daraja.queryCount();
            HttpResponse<String> answer = stack.post("/api/attempts/" + forced + "/query", "",
                    Map.of("X-Api-Key", TestStack.OPERATOR_KEY));
            assertEquals(200, answer.statusCode(), answer.body());

            List<String> queried = stack.daraja.queries().stream().map(ReceivedQuery::checkoutRequestId).toList();
            List<String> ahead = queried.subList(sentBefore, queried.indexOf(forced)).stream().filter(waiting::contains).toList();
            // at most the sweep turns already taken (on their way) while the request reached the limiter, 500 ms apart
            assertTrue(waiting.size() >= 4 && ahead.size() <= 2, "the forced query went ahead of the " + waiting.size()
                    + " sweep queries waiting for their turn, but " + ahead.size() + " of them were sent before it");
        }
    }
}
