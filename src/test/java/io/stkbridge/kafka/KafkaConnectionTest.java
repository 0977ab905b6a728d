package io.stkbridge.kafka;

import io.stkbridge.ConfigurationException;
import io.stkbridge.Settings;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the Kafka clients are given from KAFKA_* and STK_KAFKA_PROPERTY_*, and what stops start-up, without a value. */
class KafkaConnectionTest {

    static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
            + "password=\"jaas-secret-value\";";

    @TempDir
    Path dir;
    final DefaultCamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void plaintextWithoutSettingsGivesTheClientsNothing() {
        KafkaConnection kafka = read(Map.of(), Map.of());

        assertEquals(Map.of(), kafka.clientProperties());
        assertFalse(kafka.secured());
        assertEquals("localhost:9092", kafka.bootstrapServers());
    }

    @Test
    void saslSslWithTheJaasConfigurationFromAFile() throws IOException {
        Path jaasFile = Files.writeString(dir.resolve("jaas"), JAAS + "\n");

        KafkaConnection kafka = read(Map.of("kafka.security-protocol", "sasl_ssl", "kafka.sasl-mechanism", "SCRAM-SHA-512"),
                Map.of("KAFKA_SASL_JAAS_CONFIG_FILE", jaasFile.toString()));

        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", JAAS),
                kafka.clientProperties());
        assertTrue(kafka.secured());
    }

    @Test
    void anyOtherClientPropertyIsPassedThrough() {
        KafkaConnection kafka = read(Map.of(), Map.of(
                "STK_KAFKA_PROPERTY_SASL_LOGIN_CONNECT_TIMEOUT_MS", "15000",
                "STK_KAFKA_PROPERTY_CLIENT_DNS_LOOKUP", " use_all_dns_ips ",
                "STK_KAFKA_PROPERTY_EMPTY", ""));

        assertEquals(Map.of("sasl.login.connect.timeout.ms", "15000", "client.dns.lookup", "use_all_dns_ips"),
                kafka.clientProperties());
    }

    @Test
    void aPassThroughMayNotChangeWhatTheGuaranteesOrTheNamedSettingsOwn() {
        String message = refused(Map.of(), Map.of(
                "STK_KAFKA_PROPERTY_ENABLE_AUTO_COMMIT", "true",
                "STK_KAFKA_PROPERTY_ACKS", "1",
                "STK_KAFKA_PROPERTY_SASL_JAAS_CONFIG", JAAS));

        assertTrue(message.contains("STK_KAFKA_PROPERTY_ENABLE_AUTO_COMMIT sets enable.auto.commit"), message);
        assertTrue(message.contains("STK_KAFKA_PROPERTY_ACKS sets acks"), message);
        assertTrue(message.contains("STK_KAFKA_PROPERTY_SASL_JAAS_CONFIG sets sasl.jaas.config, which stk-bridge does not "
                + "take from a pass-through: set KAFKA_SASL_JAAS_CONFIG"), message);
        assertFalse(message.contains("jaas-secret-value"), message);
    }

    @Test
    void saslNeedsAMechanismAndAJaasConfiguration() {
        String message = refused(Map.of("kafka.security-protocol", "SASL_SSL"), Map.of());

        assertTrue(message.contains("KAFKA_SASL_MECHANISM must be one of"), message);
        assertTrue(message.contains("KAFKA_SASL_JAAS_CONFIG (or KAFKA_SASL_JAAS_CONFIG_FILE) is required"), message);
    }

    @Test
    void credentialsWithoutSaslAreAMistakeNotIgnored() {
        String message = refused(Map.of("kafka.sasl-mechanism", "PLAIN"), Map.of("KAFKA_SASL_JAAS_CONFIG", JAAS));

        assertTrue(message.contains("KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG need KAFKA_SECURITY_PROTOCOL=SASL_SSL"),
                message);
        assertFalse(message.contains("jaas-secret-value"), message);
    }

    @Test
    void anUnknownProtocolOrAStoreWithoutTlsIsRefused() throws IOException {
        Path store = Files.writeString(dir.resolve("trust.p12"), "not a key store");

        String message = refused(Map.of("kafka.security-protocol", "TLS", "kafka.ssl.truststore-file", store.toString()),
                Map.of("KAFKA_SSL_TRUSTSTORE_PASSWORD", "store-secret-value"));

        assertTrue(message.contains("KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"), message);
        assertTrue(message.contains("KAFKA_SSL_TRUSTSTORE_FILE needs KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL"), message);
        assertTrue(message.contains("KAFKA_SSL_TRUSTSTORE_FILE cannot be read as a key store with KAFKA_SSL_TRUSTSTORE_PASSWORD"),
                message);
        assertFalse(message.contains("store-secret-value"), message);
    }

    private KafkaConnection read(Map<String, String> properties, Map<String, String> environment) {
        Settings settings = settings(properties, environment);
        KafkaConnection kafka = KafkaConnection.read(settings, environment);
        settings.check();
        return kafka;
    }

    private String refused(Map<String, String> properties, Map<String, String> environment) {
        Settings settings = settings(properties, environment);
        KafkaConnection.read(settings, environment);
        return assertThrows(ConfigurationException.class, settings::check).getMessage();
    }

    private Settings settings(Map<String, String> properties, Map<String, String> environment) {
        Properties initial = new Properties();
        initial.putAll(Map.of("kafka.bootstrap-servers", "localhost:9092", "kafka.security-protocol", "PLAINTEXT",
                "kafka.sasl-mechanism", "", "kafka.ssl.truststore-file", "", "kafka.ssl.keystore-file", ""));
        initial.putAll(properties);
        context.getPropertiesComponent().setInitialProperties(initial);
        return new Settings(context.getPropertiesComponent(), new HashMap<>(environment));
    }
}
