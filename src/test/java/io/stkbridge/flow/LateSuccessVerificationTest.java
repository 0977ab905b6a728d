package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A callback URL can leak (ingress, WAF and APM logs keep paths), and a proven-looking success can be written by anyone
 * who has the URL and knows the order. A success that would overturn a published outcome is kept and published only
 * when an STK Query agrees; with STK_CALLBACK_VERIFY_SUCCESS every success waits for one (issue 14, item 1). Over real
 * HTTP, with the simulator as Daraja: it counts the queries it receives and says what really happened.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LateSuccessVerificationTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String PHONE = "254708374149";

    static TestStack stack;
    static DarajaSimulator daraja;
    static OutcomeCollector outcomes;
    /** While set, every query fails as if the connection timed out. */
    static final AtomicBoolean queriesUnreachable = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(TestStack.FAST_SWEEPER);
        daraja = stack.daraja;
        outcomes = stack.outcomes;
        AdviceWith.adviceWith(stack.app.context(), "stk-query", route -> route.weaveById("call-stk-query").before()
                .process(exchange -> {
                    if (queriesUnreachable.get()) {
                        throw new SocketTimeoutException("Read timed out (injected)");
                    }
                }));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @AfterEach
    void restore() {
        daraja.dropCallbacks(false);
        daraja.callbackDelay(Duration.ofMillis(150));
        queriesUnreachable.set(false);
    }

    @Test
    @Order(1)
    void aLeakedUrlSuccessOverAFailureTheQueryDecidedIsRefutedByAQueryAndNeverPublished() throws Exception {
        daraja.dropCallbacks(true);
        String intentId = stack.pay(1032);
        String checkout = stack.checkoutOf(intentId, BOUND);
        JsonNode byQuery = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", byQuery.path("status").asText());
        String attemptId = byQuery.path("attemptId").asText();
        long queriesBefore = stack.queriesFor(checkout);

        // everything a forger can know: the leaked URL, the amount, the phone and a receipt-shaped number
        assertEquals(200, stack.post(stack.callbackPath(attemptId), TestStack.successCallback(checkout, 1032, PHONE),
                Map.of()).statusCode());
        await(BOUND, "the forged success refuted", () -> dispositions(attemptId).contains("REFUTED_BY_QUERY"));
        assertTrue(stack.queriesFor(checkout) > queriesBefore, "Daraja was asked again");

        outcomes.awaitFinal(stack.pay(1033), BOUND);
        List<JsonNode> events = outcomes.eventsOf(intentId);
        assertEquals(2, events.size(), "ACCEPTED and FAILED only: " + events);
        assertTrue(events.stream().noneMatch(e -> "SUCCEEDED".equals(e.path("status").asText())), events.toString());
        assertEquals(List.of("FAILED"), stack.ledgerRows("SELECT status FROM stk_attempt WHERE attempt_id = '" + attemptId
                + "'").get(0));
    }

    @Test
    @Order(2)
    void aLateSuccessOverAnUnknownIsPublishedAsACorrectionOnlyAfterTheQueryAgrees() throws Exception {
        daraja.dropCallbacks(true);
        queriesUnreachable.set(true);
        String intentId = stack.pay(160);
        String checkout = stack.checkoutOf(intentId, BOUND);
        JsonNode unknown = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("UNKNOWN", unknown.path("status").asText());
        assertEquals("UNRESOLVED", unknown.path("reason").asText());
        String attemptId = unknown.path("attemptId").asText();
        assertEquals(0, stack.queriesFor(checkout), "no query reached Daraja so far");

        // Daraja's own late callback: stored, and published only once a Query answers ResultCode 0
        assertEquals(200, stack.post(stack.callbackPath(attemptId), TestStack.successCallback(checkout, 160, PHONE),
                Map.of()).statusCode());
        await(BOUND, "the success awaiting its query", () -> dispositions(attemptId).contains("AWAITING_QUERY"));
        assertEquals(2, outcomes.eventsOf(intentId).size(), "nothing published while Daraja cannot be asked");
        queriesUnreachable.set(false);

        await(BOUND, "the correction", () -> outcomes.eventsOf(intentId).size() == 3);
        JsonNode correction = outcomes.eventsOf(intentId).get(2);
        assertEquals("SUCCEEDED", correction.path("status").asText());
        assertTrue(correction.path("correction").asBoolean());
        assertEquals(unknown.path("eventId").asText(), correction.path("corrects").asText());
        assertEquals("TST1234567", correction.path("mpesaReceiptNumber").asText());
        assertTrue(stack.queriesFor(checkout) >= 1, "Daraja's Query agreed first");
        assertEquals(List.of("CORRECTION"), dispositions(attemptId));
    }

    @Test
    @Order(3)
    void withVerifyEverySuccessAForgedSuccessForAWaitingAttemptIsNeverApplied() throws Exception {
        stack.restartApp(Map.of("stk.callback.verify-success", "true"));
        daraja.dropCallbacks(true);
        daraja.callbackDelay(Duration.ofSeconds(3));
        String intentId = stack.pay(1032);
        String checkout = stack.checkoutOf(intentId, BOUND);
        String attemptId = outcomes.eventsOf(intentId).get(0).path("attemptId").asText();
        assertEquals(200, stack.post(stack.callbackPath(attemptId), TestStack.successCallback(checkout, 1032, PHONE),
                Map.of()).statusCode());

        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", outcome.path("status").asText(), outcome.toString());
        assertEquals("QUERY", outcome.path("source").asText());
        await(BOUND, "the forged success refuted", () -> dispositions(attemptId).contains("REFUTED_BY_QUERY"));
        assertTrue(stack.queriesFor(checkout) >= 1);

        daraja.dropCallbacks(false);
        daraja.callbackDelay(Duration.ofMillis(150));
        String paid = stack.pay(170);
        JsonNode succeeded = outcomes.awaitFinal(paid, BOUND);
        assertEquals("SUCCEEDED", succeeded.path("status").asText(), succeeded.toString());
        assertEquals("CALLBACK", succeeded.path("source").asText(), "published with the callback's receipt");
        assertTrue(succeeded.path("receiptAvailable").asBoolean(), succeeded.toString());
        assertTrue(stack.queriesFor(succeeded.path("checkoutRequestId").asText()) >= 1, "after a Query agreed");
        assertEquals(List.of("APPLIED"), dispositions(succeeded.path("attemptId").asText()));
    }

    private static List<String> dispositions(String attemptId) {
        return stack.ledgerRows("SELECT disposition FROM stk_callback WHERE attempt_id = '" + attemptId
                + "' ORDER BY callback_id").stream().map(row -> row.get(0)).toList();
    }
}
