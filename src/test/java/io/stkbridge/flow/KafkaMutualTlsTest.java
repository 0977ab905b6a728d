package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
import io.stkbridge.testing.CapturedLogs;
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
 * A cluster that authenticates its clients by certificate: stk-bridge knows only the broker's SSL listener, which
 * requires a client certificate, and presents its own from KAFKA_SSL_KEYSTORE_FILE with every client it opens (the admin
 * client creating the topics, the consumers, the producers). A wrong key store password stops start-up naming the
 * setting, never the secret; so does a certificate the broker does not trust.
 */
class KafkaMutualTlsTest {

    static final Duration BOUND = Duration.ofSeconds(60);

    static TestStack stack;
    static CapturedLogs logs;

    @BeforeAll
    static void start() {
        logs = CapturedLogs.install();
        stack = TestStack.startOverMutualTls(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            assertEquals(List.of(), logs.linesContaining(TestCertificates.KEYSTORE_PASSWORD), "a store password was logged");
            assertEquals(List.of(), logs.linesContaining(TestCertificates.TRUSTSTORE_PASSWORD), "a store password was logged");
        } finally {
            logs.close();
            stack.close();
        }
    }

    @Test
    void anIntentBecomesASucceededOutcomeOverMutualTls() {
        String intentId = stack.pay(100);

        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"),
                stack.outcomes.distinctEventsOf(intentId).stream().map(e -> e.path("status").asText()).toList());
    }

    @Test
    void queryCommandsAndDeadLettersTravelOverMutualTls() {
        String marker = "not-json-" + UUID.randomUUID();
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), "mpesa.stk.query-requests")) {
            commands.publish("k", marker);
        }

        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> marker.equals(r.value()), 1, BOUND).get(0);
        assertEquals("INVALID_QUERY_REQUEST", header(dead, "stk_error_reason"));
    }

    @Test
    void aWrongKeyStorePasswordStopsStartUpNamingTheSettingNotTheSecret() {
        String wrong = "wrong-keystore-password-" + UUID.randomUUID();

        ConfigurationException refused = refusedStartUp(Map.of(), Map.of("KAFKA_SSL_KEYSTORE_PASSWORD", wrong));

        assertTrue(refused.getMessage().contains("KAFKA_SSL_KEYSTORE_FILE cannot be read as a key store with "
                + "KAFKA_SSL_KEYSTORE_PASSWORD"), refused.getMessage());
        assertSecretsAbsent(refused, wrong);
    }

    @Test
    void aCertificateTheBrokerDoesNotTrustStopsStartUp() {
        TestCertificates stranger = TestCertificates.create();

        ConfigurationException refused = refusedStartUp(Map.of("kafka.ssl.keystore-file", stranger.keyStore().toString()),
                Map.of());

        assertTrue(refused.getMessage().contains("the TLS handshake with Kafka failed"), refused.getMessage());
        assertTrue(refused.getMessage().contains("KAFKA_SSL_KEYSTORE_FILE"), refused.getMessage());
        assertSecretsAbsent(refused, TestCertificates.KEYSTORE_PASSWORD);
    }

    private static ConfigurationException refusedStartUp(Map<String, String> properties, Map<String, String> secrets) {
        return stack.refusedStartUp(properties, secrets);
    }

    private static void assertSecretsAbsent(Throwable failure, String wrong) {
        logs.assertAbsent(failure, List.of(wrong, TestCertificates.KEYSTORE_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
    }
}
