package io.stkbridge.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * camel-kafka's consumers, each with Micrometer's {@link KafkaClientMetrics} bound to it: the consumer's own metrics,
 * among them its lag ({@code kafka_consumer_fetch_manager_records_lag_max}, and per partition
 * {@code kafka_consumer_fetch_manager_records_lag}). camel-kafka creates a new consumer when it reconnects, so the meters
 * of a consumer are removed when it is closed. Set as the kafka component's client factory.
 */
public class MeteredKafkaClientFactory extends DefaultKafkaClientFactory {

    private static final Logger LOG = LoggerFactory.getLogger(MeteredKafkaClientFactory.class);

    private final Supplier<MeterRegistry> registry;

    public MeteredKafkaClientFactory(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public Consumer getConsumer(Properties kafkaProps) {
        return new MeteredConsumer(kafkaProps, registry.get());
    }

    /** The registry the consumers' meters go into; null until Camel's metrics service created it. */
    protected MeterRegistry registry() {
        return registry.get();
    }

    /** A KafkaConsumer whose metrics are in the meter registry while it is open. */
    public static class MeteredConsumer extends KafkaConsumer<Object, Object> {

        private final KafkaClientMetrics metrics;

        public MeteredConsumer(Properties properties, MeterRegistry registry) {
            super(properties);
            KafkaClientMetrics bound = null;
            if (registry != null) {
                try {
                    bound = new KafkaClientMetrics(this);
                    bound.bindTo(registry);
                } catch (RuntimeException e) {
                    LOG.warn("Kafka consumer metrics unavailable: {}", e.toString());
                }
            }
            this.metrics = bound;
        }

        @Override
        public void close() {
            closeMetrics();
            super.close();
        }

        @Override
        public void close(Duration timeout) {
            closeMetrics();
            super.close(timeout);
        }

        private void closeMetrics() {
            if (metrics != null) {
                metrics.close();
            }
        }
    }
}
