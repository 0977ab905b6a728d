package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.Status;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Daraja's OAuth endpoint answering 503 is an outage, not refused credentials: nothing can be pushed without a token, so
 * the intents wait (DEFERRED, the intake paused) and are each pushed once a token can be had. None ends FAILED.
 */
class TokenOutageTest {

    static final Duration BOUND = Duration.ofSeconds(90);
    /** As long as a token renewal blip that would otherwise have failed every payment in its window. */
    static final Duration OUTAGE = Duration.ofSeconds(30);
    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of("daraja.outage-give-up-ms", "600000", "daraja.outage-pause-ms", "500"));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void intentsProducedWhileTheTokenEndpointIsDownEndSucceededAfterwards() throws Exception {
        stack.daraja.oauthUnavailable(true);
        long outageStarted = System.nanoTime();
        List<String> intents = new ArrayList<>();
        for (int amount = 200; amount < 205; amount++) {
            intents.add(stack.pay(amount));
        }
        AttemptLedger ledger = stack.ledger();
        await(BOUND, "an attempt to wait DEFERRED for a token", () -> intents.stream()
                .anyMatch(id -> ledger.findByIntent(id).map(a -> a.status() == Status.DEFERRED).orElse(false)));
        int triesWhileDown = stack.daraja.tokenRequestCount();
        await(BOUND, "the token to be asked for again after a pause", () -> stack.daraja.tokenRequestCount() > triesWhileDown);
        intents.forEach(id -> assertEquals(List.of(), stack.outcomes.eventsOf(id), "no outcome while no token can be had"));
        assertEquals(0, stack.daraja.pushRequestCount(), "nothing pushed without a token");
        HttpResponse<String> ready = stack.getManagement("/observe/health/ready");
        assertEquals(200, ready.statusCode(), "a Daraja outage is not refused credentials: still ready " + ready.body());

        await(BOUND, "the outage to have lasted " + OUTAGE, () -> Duration.ofNanos(System.nanoTime() - outageStarted).compareTo(OUTAGE) >= 0);
        assertEquals(0, stack.daraja.pushRequestCount(), "nothing pushed without a token");
        intents.forEach(id -> assertEquals(List.of(), stack.outcomes.eventsOf(id), "no outcome while no token can be had"));
        stack.daraja.oauthUnavailable(false);
        for (String intentId : intents) {
            JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
            assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        }
        assertEquals(intents.size(), stack.daraja.pushCount(), "each intent pushed exactly once");
        assertEquals(intents.size(), stack.daraja.pushes().stream().map(ReceivedPush::accountReference).distinct().count());
        assertTrue(stack.outcomes.values().stream().noneMatch(e -> "FAILED".equals(e.path("status").asText())));
    }
}
