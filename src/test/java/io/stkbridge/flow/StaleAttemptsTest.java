package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweeper with windows shortened to seconds: attempts whose callback is late or missing are resolved by STK Query,
 * pending and transport trouble never become FAILED, and an attempt that never resolves becomes UNKNOWN.
 */
class StaleAttemptsTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String PHONE = "254708374149";

    static TestStack stack;
    static DarajaSimulator daraja;
    static OutcomeCollector outcomes;
    /** CheckoutRequestIDs whose queries fail as if the connection timed out. */
    static final Set<String> unreachableQueries = ConcurrentHashMap.newKeySet();
    /** CheckoutRequestIDs whose query answers come back naming another payment's. */
    static final Set<String> misroutedQueries = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(TestStack.FAST_SWEEPER);
        daraja = stack.daraja;
        outcomes = stack.outcomes;
        AdviceWith.adviceWith(stack.app.context(), "stk-query", route -> {
            route.weaveById("call-stk-query").before().process(exchange -> {
                String body = exchange.getMessage().getBody(String.class);
                if (unreachableQueries.stream().anyMatch(body::contains)) {
                    throw new SocketTimeoutException("Read timed out (injected)");
                }
            });
            // Daraja's answer as a misrouting gateway would hand it over: about another payment
            route.weaveById("call-stk-query").after().process(exchange -> {
                String answer = exchange.getMessage().getBody(String.class);
                for (String checkout : misroutedQueries) {
                    if (answer != null && answer.contains(checkout)) {
                        exchange.getMessage().setBody(answer.replace(checkout, "ws_CO_someone_else"));
                    }
                }
            });
        });
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @AfterEach
    void restore() {
        daraja.dropCallbacks(false);
        daraja.queryPendingAs4999(false);
        daraja.callbackDelay(Duration.ofMillis(150));
        unreachableQueries.clear();
        misroutedQueries.clear();
    }

    @Test
    void withEveryCallbackDroppedEachIntentStillGetsExactlyOneFinalOutcomeFromQuery() {
        daraja.dropCallbacks(true);
        Map<Integer, String> expected = Map.of(100, "SUCCEEDED", 1032, "FAILED", 1037, "FAILED", 2001, "FAILED", 1111, "FAILED");
        Map<Integer, String> intents = new java.util.HashMap<>();
        expected.keySet().forEach(amount -> intents.put(amount, stack.pay(amount)));
        intents.forEach((amount, intentId) -> {
            JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
            assertEquals(expected.get(amount), outcome.path("status").asText(), outcome.toString());
            assertEquals("QUERY", outcome.path("source").asText());
            assertTrue(outcome.path("mpesaReceiptNumber").isNull());
            assertFalse(outcome.path("receiptAvailable").asBoolean());
        });
        outcomes.awaitFinal(stack.pay(101), BOUND);
        intents.values().forEach(intentId -> assertEquals(2, outcomes.eventsOf(intentId).size()));
    }

    @Test
    void beingProcessedAnswersAreNeverFailuresTheAttemptIsAskedAgain() {
        daraja.dropCallbacks(true);
        daraja.callbackDelay(Duration.ofMillis(2000));
        String intentId = stack.pay(1032);
        String checkout = stack.checkoutOf(intentId, BOUND);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("CANCELLED_BY_USER", outcome.path("reason").asText());
        assertTrue(daraja.queries().stream().anyMatch(q -> q.checkoutRequestId().equals(checkout) && q.httpStatus() == 500),
                "Daraja answered 'being processed' at least once");
        assertTrue(stack.queriesFor(checkout) >= 2);
    }

    @Test
    void resultCode4999IsPendingToo() {
        daraja.dropCallbacks(true);
        daraja.queryPendingAs4999(true);
        daraja.callbackDelay(Duration.ofMillis(2000));
        String intentId = stack.pay(120);
        String checkout = stack.checkoutOf(intentId, BOUND);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText());
        assertTrue(daraja.queries().stream().anyMatch(q -> q.checkoutRequestId().equals(checkout) && "4999".equals(q.resultCode())));
    }

    @Test
    void queryTransportErrorsAreRetriedAndNeverFail() {
        undecidedWhileItsQueriesAreSpoiled(130, unreachableQueries, "a few failed queries",
                checkout -> queriesInLedger(checkout, "TRANSPORT_ERROR") >= 3);
    }

    @Test
    void aQueryAnswerAboutAnotherPaymentDecidesNothing() {
        undecidedWhileItsQueriesAreSpoiled(160, misroutedQueries, "final answers about another payment",
                checkout -> queriesInLedger(checkout, "OTHER_PAYMENT") >= 2);
    }

    /**
     * A payment whose callback is lost and whose queries are spoiled (its CheckoutRequestID in {@code spoiled}) until
     * {@code spoiledEnough}: nothing is decided meanwhile; once its queries are no longer spoiled, a Query decides it.
     */
    private static void undecidedWhileItsQueriesAreSpoiled(int amount, Set<String> spoiled, String what,
                                                           Predicate<String> spoiledEnough) {
        daraja.dropCallbacks(true);
        String intentId = stack.pay(amount);
        String checkout = stack.checkoutOf(intentId, BOUND);
        spoiled.add(checkout);
        await(BOUND, what, () -> spoiledEnough.test(checkout));
        assertEquals(1, outcomes.eventsOf(intentId).size(), "still only ACCEPTED: " + outcomes.eventsOf(intentId));
        spoiled.remove(checkout);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText());
        assertEquals("QUERY", outcome.path("source").asText());
    }

    /**
     * Unknown stays unknown until Daraja says otherwise: after the window it is no longer queried, and once Daraja
     * answers again an operator's forced query settles it with one correction event.
     */
    @Test
    void anAttemptThatNeverResolvesBecomesUnknownNotFailedAndAForcedQueryLaterSettlesIt() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = stack.pay(140);
        String checkout = stack.checkoutOf(intentId, BOUND);
        unreachableQueries.add(checkout);
        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("UNKNOWN", outcome.path("status").asText());
        assertEquals("UNRESOLVED", outcome.path("reason").asText());

        unreachableQueries.remove(checkout);
        long queriesBefore = stack.queriesFor(checkout);
        HttpResponse<String> forced = stack.post("/api/attempts/" + checkout + "/query", "",
                Map.of("X-Api-Key", TestStack.OPERATOR_KEY));
        assertEquals(200, forced.statusCode(), forced.body());
        assertTrue(forced.body().contains("\"status\":\"SUCCEEDED\""), forced.body());
        assertEquals(queriesBefore + 1, stack.queriesFor(checkout), "one query reached Daraja");
        await(BOUND, "the correction event", () -> outcomes.eventsOf(intentId).stream()
                .anyMatch(e -> e.path("correction").asBoolean()));
        List<JsonNode> events = outcomes.eventsOf(intentId);
        JsonNode correction = events.get(events.size() - 1);
        assertEquals("SUCCEEDED", correction.path("status").asText(), correction.toString());
        assertEquals("QUERY", correction.path("source").asText());
        assertEquals(outcome.path("eventId").asText(), correction.path("corrects").asText());
        assertEquals(3, events.size(), "ACCEPTED, UNKNOWN, the correction: " + events);
    }

    @Test
    void aLateCallbackThatAgreesWithTheQueryPublishesOnlyItsReceipt() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = stack.pay(150);
        String checkout = stack.checkoutOf(intentId, BOUND);
        JsonNode byQuery = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", byQuery.path("status").asText());
        String attemptId = byQuery.path("attemptId").asText();
        assertEquals(200, stack.post(stack.callbackPath(attemptId), TestStack.successCallback(checkout, 150, PHONE), Map.of()).statusCode());
        await(BOUND, "the receipt event", () -> outcomes.eventsOf(intentId).size() >= 3);
        outcomes.awaitFinal(stack.pay(151), BOUND);
        List<JsonNode> events = outcomes.eventsOf(intentId);
        assertEquals(3, events.size(), events.toString());
        assertEquals(1, events.stream().filter(e -> e.path("final").asBoolean()).count(), "no second final outcome");
        assertTrue(events.stream().noneMatch(e -> e.path("correction").asBoolean()), "no correction");
        JsonNode receipt = events.get(2);
        assertEquals(byQuery.path("eventId").asText(), receipt.path("receiptFor").asText(), "the receipt event completes the outcome");
        assertEquals("TST1234567", receipt.path("mpesaReceiptNumber").asText());
    }

    private static long queriesInLedger(String checkoutRequestId, String interpretation) {
        try (var connection = stack.app.context().getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class).getConnection();
             var select = connection.prepareStatement("SELECT COUNT(*) FROM stk_query q JOIN stk_attempt a ON a.attempt_id = q.attempt_id "
                     + "WHERE a.checkout_request_id = ? AND q.interpretation = ?")) {
            select.setString(1, checkoutRequestId);
            select.setString(2, interpretation);
            try (var row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
