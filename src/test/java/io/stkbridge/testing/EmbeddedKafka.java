package io.stkbridge.testing;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.network.ListenerName;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker in this JVM, from Kafka's own test kit. Its plaintext listener
 * ({@link #bootstrapServers()}) serves the tests' own clients; {@link #startWithSaslSsl} adds a SASL_SSL listener with
 * SCRAM-SHA-256 users, the way a managed cluster accepts its clients, and {@link #startWithMutualTls} an SSL listener
 * that requires client certificates.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The SCRAM user of the SASL_SSL listener (a super user), and its password. */
    public static final String SCRAM_USER = "stk-bridge";
    /** A SCRAM user with the same password and no rights at all: the broker's authorizer refuses it everything. */
    public static final String USER_WITHOUT_RIGHTS = "stk-bridge-no-rights";
    public static final String SCRAM_PASSWORD = "scram-password-for-the-test-7f3e9a";
    private static final String SECURE = "SECURE";
    private static final String LISTENER = "listener.name." + SECURE.toLowerCase() + ".";

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        return start(Map.of());
    }

    /**
     * A broker with a second listener, SASL_SSL with SCRAM-SHA-256 on the certificate of {@code tls}, and the user
     * {@link #SCRAM_USER} created through the admin API; {@link #secureBootstrapServers()} is its address.
     */
    public static EmbeddedKafka startWithSaslSsl(TestCertificates tls) {
        Map<String, String> config = secureListener("SASL_SSL", tls);
        config.putAll(Map.of(
                LISTENER + "sasl.enabled.mechanisms", "SCRAM-SHA-256",
                LISTENER + "scram-sha-256.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                // rights are checked: the plaintext listeners (the broker itself, the tests' own clients) and the
                // bridge's user may do anything, the other user nothing
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:ANONYMOUS;User:" + SCRAM_USER));
        EmbeddedKafka kafka = start(config);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            ScramCredentialInfo scram = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER, scram, SCRAM_PASSWORD),
                    new UserScramCredentialUpsertion(USER_WITHOUT_RIGHTS, scram, SCRAM_PASSWORD))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            kafka.closeQuietly();
            throw new IllegalStateException("could not create the SCRAM user", e);
        }
        // the user reaches the broker's credential cache through the metadata log, shortly after the controller has it
        Map<String, Object> client = new HashMap<>(kafka.secureClientProperties(SCRAM_PASSWORD, tls));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.secureBootstrapServers());
        OutcomeCollector.await(Duration.ofSeconds(60), "the SCRAM user to be accepted on the SASL_SSL listener", () -> {
            try (Admin admin = Admin.create(client)) {
                admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        return kafka;
    }

    /**
     * A broker with a second listener, SSL on the certificate of {@code tls}, that requires a client certificate and
     * trusts only {@code clients}' (mutual TLS); {@link #secureBootstrapServers()} is its address.
     */
    public static EmbeddedKafka startWithMutualTls(TestCertificates tls, TestCertificates clients) {
        Map<String, String> config = secureListener("SSL", tls);
        config.putAll(Map.of(
                LISTENER + "ssl.client.auth", "required",
                LISTENER + "ssl.truststore.type", "PKCS12",
                LISTENER + "ssl.truststore.location", clients.trustStore().toString(),
                LISTENER + "ssl.truststore.password", TestCertificates.TRUSTSTORE_PASSWORD));
        return start(config);
    }

    /** The {@link #SECURE} listener beside the plaintext ones, with this protocol, on the certificate of {@code tls}. */
    private static Map<String, String> secureListener(String protocol, TestCertificates tls) {
        return new HashMap<>(Map.of(
                "listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0," + SECURE + "://localhost:0",
                "listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT," + SECURE + ":" + protocol,
                LISTENER + "ssl.keystore.type", "PKCS12",
                LISTENER + "ssl.keystore.location", tls.keyStore().toString(),
                LISTENER + "ssl.keystore.password", TestCertificates.KEYSTORE_PASSWORD,
                LISTENER + "ssl.key.password", TestCertificates.KEYSTORE_PASSWORD));
    }

    private static EmbeddedKafka start(Map<String, String> extraConfig) {
        try {
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false");
            extraConfig.forEach(builder::setConfigProp);
            KafkaClusterTestKit cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("in-process Kafka broker did not start", e);
        }
    }

    /** The plaintext listener, without credentials. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** The SASL_SSL listener of {@link #startWithSaslSsl}. */
    public String secureBootstrapServers() {
        return "localhost:" + cluster.brokers().values().iterator().next().boundPort(new ListenerName(SECURE));
    }

    /** What a client of the SASL_SSL listener needs besides its address, logging in as {@link #SCRAM_USER}. */
    public Map<String, Object> secureClientProperties(String password, TestCertificates tls) {
        return Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", jaasConfig(password),
                "ssl.truststore.location", tls.trustStore().toString(),
                "ssl.truststore.password", TestCertificates.TRUSTSTORE_PASSWORD);
    }

    public static String jaasConfig(String password) {
        return jaasConfig(SCRAM_USER, password);
    }

    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private void closeQuietly() {
        try {
            close();
        } catch (Exception ignored) {
            // start-up failed already; that failure is the one reported
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
