package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
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
 * A cluster that authenticates its clients by certificate: stk-bridge knows only the broker's SSL listener, which
 * requires a client certificate, and presents its own from KAFKA_SSL_KEYSTORE_FILE with every client it opens (the admin
 * client creating the topics, the consumers, the producers). A wrong key store password stops start-up naming the
 * setting, never the secret; so does a certificate the broker does not trust.
 */
class KafkaMutualTlsTest extends SecuredKafkaFlow {

    @BeforeAll
    static void start() {
        start(() -> TestStack.startOverMutualTls(Map.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        stop(List.of(TestCertificates.KEYSTORE_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
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

    private static void assertSecretsAbsent(Throwable failure, String wrong) {
        logs.assertAbsent(failure, List.of(wrong, TestCertificates.KEYSTORE_PASSWORD, TestCertificates.TRUSTSTORE_PASSWORD));
    }
}
