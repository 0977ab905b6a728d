package io.stkbridge.kafka;

import io.stkbridge.Settings;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How every Kafka client of the bridge reaches the cluster (the intake and query-command consumers, the outcome and
 * dead-letter producers, the admin client that creates the topics): TLS, SASL and any other client property an
 * operator passes through {@value #PROPERTY_PREFIX}. Plaintext without credentials unless configured.
 * <p>
 * The values may be secrets (a JAAS configuration, store passwords, an OAuth client secret passed through): none is
 * ever put in a problem or a log line, only the names of the variables.
 */
public final class KafkaConnection {

    /** {@code STK_KAFKA_PROPERTY_SASL_LOGIN_CONNECT_TIMEOUT_MS=15000} sets {@code sasl.login.connect.timeout.ms}. */
    public static final String PROPERTY_PREFIX = "STK_KAFKA_PROPERTY_";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI");

    /**
     * Client properties a pass-through may not set: the named settings own them, or the bridge's guarantees rest on the
     * values the routes give them (offsets committed only after the ledger, acknowledged and idempotent sends).
     */
    private static final Map<String, String> NOT_PASSED_THROUGH = Map.ofEntries(
            Map.entry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "set KAFKA_BOOTSTRAP_SERVERS"),
            Map.entry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "set KAFKA_SECURITY_PROTOCOL"),
            Map.entry(SaslConfigs.SASL_MECHANISM, "set KAFKA_SASL_MECHANISM"),
            Map.entry(SaslConfigs.SASL_JAAS_CONFIG, "set KAFKA_SASL_JAAS_CONFIG"),
            Map.entry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "set KAFKA_SSL_TRUSTSTORE_FILE"),
            Map.entry(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, "set KAFKA_SSL_TRUSTSTORE_PASSWORD"),
            Map.entry(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, "set KAFKA_SSL_KEYSTORE_FILE"),
            Map.entry(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, "set KAFKA_SSL_KEYSTORE_PASSWORD"),
            Map.entry(SslConfigs.SSL_KEY_PASSWORD_CONFIG, "set KAFKA_SSL_KEY_PASSWORD"),
            Map.entry("group.id", "set STK_KAFKA_GROUP_ID"),
            Map.entry("max.poll.records", "set STK_KAFKA_MAX_POLL_RECORDS"),
            Map.entry("max.poll.interval.ms", "set STK_KAFKA_MAX_POLL_INTERVAL_MS"),
            Map.entry("session.timeout.ms", "set STK_KAFKA_SESSION_TIMEOUT_MS"),
            Map.entry("enable.auto.commit", "offsets are committed only once the ledger holds the intents"),
            Map.entry("auto.offset.reset", "a new consumer group must read the intents from the start"),
            Map.entry("acks", "an outcome is marked published only once every in-sync replica has it"),
            Map.entry("enable.idempotence", "a re-sent outcome must not be written twice by the producer"),
            Map.entry("transactional.id", "the producers are not transactional"),
            Map.entry("key.serializer", "the records' format is the bridge's"),
            Map.entry("value.serializer", "the records' format is the bridge's"),
            Map.entry("key.deserializer", "the records' format is the bridge's"),
            Map.entry("value.deserializer", "the records' format is the bridge's"));

    private final String bootstrapServers;
    private final Map<String, Object> clientProperties;

    private KafkaConnection(String bootstrapServers, Map<String, Object> clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
    }

    /** Reads the settings; what is wrong goes to {@code settings} as problems. */
    public static KafkaConnection read(Settings settings, Map<String, String> environment) {
        Map<String, Object> properties = new LinkedHashMap<>();
        String protocol = settings.optional("kafka.security-protocol").toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            settings.problem("KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, not '"
                    + protocol + "'");
        } else if (!protocol.equals("PLAINTEXT")) {
            properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        }
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.endsWith("SSL");
        String mechanism = settings.optional("kafka.sasl-mechanism").toUpperCase(Locale.ROOT);
        String jaas = settings.secret("KAFKA_SASL_JAAS_CONFIG", false);
        if (sasl) {
            if (!MECHANISMS.contains(mechanism)) {
                settings.problem("KAFKA_SASL_MECHANISM must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, "
                        + "GSSAPI with KAFKA_SECURITY_PROTOCOL=" + protocol + ", not '" + mechanism + "'");
            }
            if (jaas.isEmpty()) {
                settings.problem("KAFKA_SASL_JAAS_CONFIG (or KAFKA_SASL_JAAS_CONFIG_FILE) is required with "
                        + "KAFKA_SECURITY_PROTOCOL=" + protocol);
            }
            properties.put(SaslConfigs.SASL_MECHANISM, mechanism);
            properties.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
        } else if (!mechanism.isEmpty() || !jaas.isEmpty()) {
            settings.problem("KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG need KAFKA_SECURITY_PROTOCOL=SASL_SSL "
                    + "(or SASL_PLAINTEXT), not " + protocol);
        }
        store(settings, tls, properties, "kafka.ssl.truststore-file", "KAFKA_SSL_TRUSTSTORE_FILE",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG);
        if (store(settings, tls, properties, "kafka.ssl.keystore-file", "KAFKA_SSL_KEYSTORE_FILE",
                "KAFKA_SSL_KEYSTORE_PASSWORD", SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
                SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG)) {
            String keyPassword = settings.secret("KAFKA_SSL_KEY_PASSWORD", false);
            if (!keyPassword.isEmpty()) {
                properties.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, keyPassword);
            }
        }
        properties.putAll(passedThrough(settings, environment));
        return new KafkaConnection(settings.optional("kafka.bootstrap-servers"), Map.copyOf(properties));
    }

    /** A trust or key store: opened once here, so that a wrong password stops start-up. Whether one is configured. */
    private static boolean store(Settings settings, boolean tls, Map<String, Object> properties, String key,
                                 String fileVariable, String passwordVariable, String locationProperty,
                                 String passwordProperty) {
        String file = settings.optional(key);
        String password = settings.secret(passwordVariable, false);
        if (file.isEmpty()) {
            return false;
        }
        if (!tls) {
            settings.problem(fileVariable + " needs KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL");
        }
        if (settings.keyStoreOpens(fileVariable, file, passwordVariable, password)) {
            properties.put(locationProperty, file);
            if (!password.isEmpty()) {
                properties.put(passwordProperty, password);
            }
        }
        return true;
    }

    private static Map<String, Object> passedThrough(Settings settings, Map<String, String> environment) {
        Map<String, Object> properties = new TreeMap<>();
        environment.forEach((variable, value) -> {
            if (!variable.startsWith(PROPERTY_PREFIX) || value.isBlank()) {
                return;
            }
            String name = variable.substring(PROPERTY_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            String refused = NOT_PASSED_THROUGH.get(name);
            if (name.isEmpty() || !name.matches("[a-z0-9.]+")) {
                settings.problem(variable + " names no Kafka client property (" + PROPERTY_PREFIX
                        + "<property, upper case, _ for .>)");
            } else if (refused != null) {
                settings.problem(variable + " sets " + name + ", which stk-bridge does not take from a pass-through: "
                        + refused);
            } else {
                properties.put(name, value.trim());
            }
        });
        return properties;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The client properties besides the brokers, for camel-kafka's {@code additionalProperties} (applied after the
     * endpoints' own) and the admin client. Holds secrets: never log it.
     */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    /** Whether the clients authenticate or encrypt, i.e. something can be refused by the broker at start-up. */
    public boolean secured() {
        return clientProperties.containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
    }
}
