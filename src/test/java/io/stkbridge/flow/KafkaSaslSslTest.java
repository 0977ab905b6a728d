package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.TestCertificates;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A managed cluster's way in: stk-bridge knows only the broker's SASL_SSL listener (SCRAM-SHA-256, a certificate made
 * for the test), so every client it opens (the admin client creating the topics, the intents and query-command
 * consumers, the outcome and dead-letter producers) authenticates over TLS. Wrong credentials stop start-up, naming the
 * setting and never the secret.
 */
class KafkaSaslSslTest extends SecuredKafkaFlow {

    @BeforeAll
    static void start() {
        start(() -> TestStack.startOverSaslSsl(Map.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        stop(List.of(EmbeddedKafka.SCRAM_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
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

    private static void assertSecretsAbsent(Throwable failure, String wrong) {
        logs.assertAbsent(failure, List.of(wrong, EmbeddedKafka.SCRAM_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
    }
}
