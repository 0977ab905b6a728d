package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.TestCertificates;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.stkbridge.testing.OutcomeCollector.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A managed cluster's way in: stk-bridge knows only the broker's SASL_SSL listener (SCRAM-SHA-256, a certificate made
 * for the test), so every client it opens (the admin client creating the topics, the intents and query-command
 * consumers, the outcome and dead-letter producers) authenticates over TLS. Wrong credentials stop start-up, naming the
 * setting and never the secret.
 */
class KafkaSaslSslTest {

    static final Duration BOUND = Duration.ofSeconds(60);

    static TestStack stack;
    static CapturedLogs logs;

    @BeforeAll
    static void start() {
        logs = CapturedLogs.install();
        stack = TestStack.startOverSaslSsl(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            assertEquals(List.of(), logs.linesContaining(EmbeddedKafka.SCRAM_PASSWORD), "the SCRAM password was logged");
            assertEquals(List.of(), logs.linesContaining(TestCertificates.TRUSTSTORE_PASSWORD), "a store password was logged");
        } finally {
            logs.close();
            stack.close();
        }
    }

    @Test
    void anIntentBecomesASucceededOutcomeOverSaslSsl() {
        String intentId = stack.pay(100);

        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"),
                stack.outcomes.distinctEventsOf(intentId).stream().map(e -> e.path("status").asText()).toList());
    }

    @Test
    void queryCommandsAndDeadLettersTravelOverSaslSsl() {
        String marker = "not-json-" + UUID.randomUUID();
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), "mpesa.stk.query-requests")) {
            commands.publish("k", marker);
        }

        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> marker.equals(r.value()), 1, BOUND).get(0);
        assertEquals("INVALID_QUERY_REQUEST", header(dead, "stk_error_reason"));
        assertEquals("mpesa.stk.query-requests", header(dead, "stk_source_topic"));
    }

    @Test
    void aWrongSaslPasswordStopsStartUpNamingTheSettingNotTheSecret() {
        String wrong = "wrong-scram-password-" + UUID.randomUUID();

        ConfigurationException refused = refusedStartUp(Map.of("KAFKA_SASL_JAAS_CONFIG", EmbeddedKafka.jaasConfig(wrong)));

        assertTrue(refused.getMessage().contains("KAFKA_SASL_JAAS_CONFIG"), refused.getMessage());
        assertSecretsAbsent(refused, wrong);
    }

    @Test
    void aWrongSaslPasswordStopsStartUpAlsoWhenTheTopicsAreNotCreated() {
        String wrong = "wrong-scram-password-" + UUID.randomUUID();

        ConfigurationException refused = refusedStartUp(Map.of("stk.kafka.create-topics", "false"),
                Map.of("KAFKA_SASL_JAAS_CONFIG", EmbeddedKafka.jaasConfig(wrong)));

        assertTrue(refused.getMessage().contains("Kafka refused the credentials: check KAFKA_SASL_JAAS_CONFIG"),
                refused.getMessage());
        assertSecretsAbsent(refused, wrong);
    }

    @Test
    void aUserThatMayNotCreateTheTopicsStopsStartUpSayingSo() {
        ConfigurationException refused = refusedStartUp(Map.of("KAFKA_SASL_JAAS_CONFIG",
                EmbeddedKafka.jaasConfig(EmbeddedKafka.USER_WITHOUT_RIGHTS, EmbeddedKafka.SCRAM_PASSWORD)));

        assertTrue(refused.getMessage().contains("Kafka refused to list or create the topics"), refused.getMessage());
        assertTrue(refused.getMessage().contains("STK_KAFKA_CREATE_TOPICS=false"), refused.getMessage());
        assertSecretsAbsent(refused, EmbeddedKafka.SCRAM_PASSWORD);
    }

    @Test
    void aWrongTrustStorePasswordStopsStartUpNamingTheSettingNotTheSecret() {
        String wrong = "wrong-truststore-password-" + UUID.randomUUID();

        ConfigurationException refused = refusedStartUp(Map.of("KAFKA_SSL_TRUSTSTORE_PASSWORD", wrong));

        assertTrue(refused.getMessage().contains("KAFKA_SSL_TRUSTSTORE_FILE cannot be read as a key store with "
                + "KAFKA_SSL_TRUSTSTORE_PASSWORD"), refused.getMessage());
        assertSecretsAbsent(refused, wrong);
    }

    private static ConfigurationException refusedStartUp(Map<String, String> secrets) {
        return refusedStartUp(Map.of(), secrets);
    }

    private static ConfigurationException refusedStartUp(Map<String, String> properties, Map<String, String> secrets) {
        return stack.refusedStartUp(properties, secrets);
    }

    private static void assertSecretsAbsent(Throwable failure, String wrong) {
        logs.assertAbsent(failure, List.of(wrong, EmbeddedKafka.SCRAM_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
    }
}
