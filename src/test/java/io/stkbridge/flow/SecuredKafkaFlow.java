package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static io.stkbridge.testing.OutcomeCollector.header;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What every secured way into Kafka must carry, with stk-bridge knowing only the broker's secured listener and the
 * test's own clients on its plaintext one: the payment flow, and query commands with their dead letters. A subclass
 * {@linkplain #start starts} the stack in its {@code @BeforeAll} and {@linkplain #stop stops} it in its
 * {@code @AfterAll}, naming the secrets that must never have been logged.
 */
abstract class SecuredKafkaFlow {

    static final Duration BOUND = Duration.ofSeconds(60);

    static TestStack stack;
    static CapturedLogs logs;

    static void start(Supplier<TestStack> secured) {
        logs = CapturedLogs.install();
        stack = secured.get();
    }

    static void stop(List<String> secrets) throws Exception {
        try {
            for (String secret : secrets) {
                assertEquals(List.of(), logs.linesContaining(secret), "a secret was logged");
            }
        } finally {
            logs.close();
            if (stack != null) {
                stack.close();
            }
        }
    }

    @Test
    void anIntentBecomesASucceededOutcome() {
        String intentId = stack.pay(100);

        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"),
                stack.outcomes.distinctEventsOf(intentId).stream().map(e -> e.path("status").asText()).toList());
    }

    @Test
    void queryCommandsAndDeadLettersTravel() {
        String marker = "not-json-" + UUID.randomUUID();
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), "mpesa.stk.query-requests")) {
            commands.publish("k", marker);
        }

        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> marker.equals(r.value()), 1, BOUND).get(0);
        assertEquals("INVALID_QUERY_REQUEST", header(dead, "stk_error_reason"));
        assertEquals("mpesa.stk.query-requests", header(dead, "stk_source_topic"));
    }

    static ConfigurationException refusedStartUp(Map<String, String> properties, Map<String, String> secrets) {
        return stack.refusedStartUp(properties, secrets);
    }
}
