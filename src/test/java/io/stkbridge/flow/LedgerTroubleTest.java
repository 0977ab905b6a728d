package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What operators and Daraja see when the ledger is in trouble: readiness goes DOWN while outcome events pile up unpublished
 * (and UP again once they drain), and a callback that cannot be stored is answered 500, never 200: an acknowledged
 * callback must never be lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerTroubleTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static TestStack stack;

    static final AtomicBoolean kafkaRefuses = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(Map.of("stk.health.max-outbox-backlog", "2"));
        AdviceWith.adviceWith(stack.app.context(), "outcome-relay", route -> route.weaveById("publish-outcome").before()
                .process(exchange -> {
                    if (kafkaRefuses.get()) {
                        throw new org.apache.kafka.common.errors.TimeoutException("injected: Kafka does not take events");
                    }
                }));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    private static int readiness() throws Exception {
        return stack.getManagement("/observe/health/ready").statusCode();
    }

    @Test
    @Order(1)
    void readinessIsDownWhileOutcomesPileUpUnpublishedAndUpOnceTheyDrain() throws Exception {
        assertEquals(200, readiness());
        kafkaRefuses.set(true);               // the relay keeps running, its sends fail: events stay in the outbox
        List<String> intents = List.of(stack.pay(100), stack.pay(101));
        await(BOUND, "the unpublished events to pass the backlog limit of 2", () -> {
            try {
                return readiness() == 503;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        intents.forEach(id -> assertEquals(List.of(), stack.outcomes.eventsOf(id), "nothing published meanwhile"));

        kafkaRefuses.set(false);
        intents.forEach(id -> assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(id, BOUND).path("status").asText()));
        await(BOUND, "readiness UP again", () -> {
            try {
                return readiness() == 200;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(2)
    void aCallbackThatCannotBeStoredIsAnswered500() throws Exception {
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(7000);
        await(BOUND, "ACCEPTED", () -> !stack.outcomes.eventsOf(intentId).isEmpty());
        JsonNode accepted = stack.outcomes.eventsOf(intentId).get(0);
        // the callbacks' own connection pool is gone: the inbox cannot store anything
        stack.app.context().getRegistry().lookupByNameAndType("callbackDataSource", HikariDataSource.class).close();
        HttpResponse<String> answer = stack.post(stack.callbackPath(accepted.path("attemptId").asText()),
                TestStack.successCallback(accepted.path("checkoutRequestId").asText(), 7000, "254708374149"), Map.of());
        assertEquals(500, answer.statusCode(), "Daraja must not believe an unstored callback was taken: " + answer.body());
        assertEquals("{\"ResultCode\":1,\"ResultDesc\":\"Temporarily unavailable\"}", answer.body());
        assertTrue(stack.outcomes.eventsOf(intentId).stream().noneMatch(e -> e.path("final").asBoolean()));
    }
}
