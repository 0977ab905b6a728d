package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.TestStack;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** While Daraja cannot be reached the intake pauses: intents wait, none is failed, none is pushed twice. */
class DarajaOutageTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static TestStack stack;
    static final AtomicBoolean darajaDown = new AtomicBoolean();
    static final AtomicInteger refusedConnections = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(Map.of("daraja.outage-give-up-ms", "600000", "daraja.outage-pause-ms", "500"));
        AdviceWith.adviceWith(stack.app.context(), "stk-push", route -> route.weaveById("call-stk-push").before()
                .process(exchange -> {
                    if (darajaDown.get()) {
                        refusedConnections.incrementAndGet();
                        throw new ConnectException("Connection refused (injected outage)");
                    }
                }));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void intentsWaitOutAnOutageAndAreEachPushedOnceItEnds() throws Exception {
        darajaDown.set(true);
        List<String> intents = new ArrayList<>();
        for (int amount = 100; amount < 106; amount++) {
            intents.add(stack.pay(amount));
        }
        await(BOUND, "the intake to be suspended during the outage", () ->
                stack.app.context().getRouteController().getRouteStatus("intake") == ServiceStatus.Suspended);
        await(BOUND, "deferred attempts to be tried again after a pause", () -> refusedConnections.get() >= 4);
        // the ledger shows them waiting: every attempt opened so far is DEFERRED, with its next push still to come
        String ids = String.join("', '", intents);
        String waiting = "SELECT intent_id, status, reason, CASE WHEN next_push_at > updated_at THEN 'waits' ELSE 'due at once' END "
                + "FROM stk_attempt WHERE intent_id IN ('" + ids + "')";
        await(BOUND, () -> "every attempt opened during the outage to wait DEFERRED: " + stack.ledgerRows(waiting),
                () -> {
                    List<List<String>> rows = stack.ledgerRows(waiting);
                    return !rows.isEmpty() && rows.stream().allMatch(r -> r.get(1).equals("DEFERRED") && r.get(3).equals("waits"));
                });
        intents.forEach(intentId -> assertEquals(List.of(), stack.outcomes.eventsOf(intentId), "no outcome during the outage"));
        HttpResponse<String> ready = stack.getManagement("/observe/health/ready");
        assertEquals(200, ready.statusCode(), "still ready for callbacks while the intake is paused: " + ready.body());
        assertEquals(0, stack.daraja.pushCount());

        darajaDown.set(false);
        for (String intentId : intents) {
            JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
            assertEquals("SUCCEEDED", outcome.path("status").asText());
            assertEquals(2, stack.outcomes.eventsOf(intentId).size());
        }
        assertEquals(intents.size(), stack.daraja.pushCount(), "each intent pushed exactly once");
        assertEquals(List.of("SUCCEEDED"), stack.ledgerRows("SELECT DISTINCT status FROM stk_attempt WHERE intent_id IN ('"
                + ids + "')").stream().map(r -> r.get(0)).toList());
        assertEquals(intents.size(), stack.daraja.pushes().stream().map(ReceivedPush::accountReference).distinct().count());
        await(BOUND, "the intake to run again", () ->
                stack.app.context().getRouteController().getRouteStatus("intake") == ServiceStatus.Started);
    }
}
