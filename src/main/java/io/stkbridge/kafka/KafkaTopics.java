package io.stkbridge.kafka;

import io.stkbridge.Settings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the topics before any consumer subscribes, so a fresh broker neither races nor auto-creates them with defaults;
 * and, on a secured cluster, proves the credentials at start-up, so that a wrong password stops it (exit code 2) instead
 * of leaving every consumer and producer failing in the background.
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private KafkaTopics() {
    }

    public static void ensure(KafkaConnection kafka, List<String> topics, int partitions, short replicationFactor) {
        try (Admin admin = admin(kafka)) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, replicationFactor)).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                LOG.info("Created topics {}", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        } catch (ExecutionException e) {
            refused(e.getCause(), topics);
            throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers() + " to create topics " + topics, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers() + " to create topics " + topics, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Without topic creation, a secured cluster is still asked for its nodes once, so that refused credentials stop
     * start-up; a cluster that cannot be reached yet is only warned about, as on a plaintext one.
     */
    public static void checkCredentials(KafkaConnection kafka) {
        try (Admin admin = admin(kafka)) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            refused(e.getCause(), List.of());
            LOG.warn("Kafka at {} could not be reached to check the credentials: {}", kafka.bootstrapServers(),
                    e.getCause().getClass().getSimpleName());
        } catch (TimeoutException e) {
            LOG.warn("Kafka at {} could not be reached to check the credentials in 30 s", kafka.bootstrapServers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the Kafka credentials", e);
        }
    }

    private static Admin admin(KafkaConnection kafka) {
        Map<String, Object> properties = new HashMap<>(kafka.clientProperties());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(properties);
    }

    /**
     * The broker refused these clients: a configuration problem. The broker's own message is left out: it may quote
     * the principal; the variables to check are named instead.
     */
    private static void refused(Throwable failure, List<String> topics) {
        String problem = null;
        if (failure instanceof SslAuthenticationException) {
            problem = "the TLS handshake with Kafka failed: check KAFKA_SSL_TRUSTSTORE_FILE (the brokers' certificates must "
                    + "be trusted) and KAFKA_SSL_KEYSTORE_FILE, KAFKA_SECURITY_PROTOCOL and KAFKA_BOOTSTRAP_SERVERS";
        } else if (failure instanceof AuthenticationException) {
            problem = "Kafka refused the credentials: check KAFKA_SASL_JAAS_CONFIG (user and password) and "
                    + "KAFKA_SASL_MECHANISM";
        } else if (failure instanceof AuthorizationException) {
            problem = "Kafka refused to " + (topics.isEmpty() ? "describe the cluster" : "list or create the topics "
                    + topics) + ": grant the principal of KAFKA_SASL_JAAS_CONFIG "
                    + "those rights, or create the topics beforehand and set STK_KAFKA_CREATE_TOPICS=false";
        }
        if (problem != null) {
            throw Settings.refused(List.of(problem + " (" + failure.getClass().getSimpleName() + ")"));
        }
    }
}
