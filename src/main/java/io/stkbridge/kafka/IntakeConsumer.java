package io.stkbridge.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.stkbridge.metrics.MeteredKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The intake's Kafka consumer: tells {@link IntakeBatches} of rebalances and of what each poll brought, on the consumer
 * thread. camel-kafka 4.18 shows an application neither: its {@code KafkaConsumerListener} only runs after a poll, by
 * which time the group may already have given a revoked partition to another member, and it installs its own
 * {@code ConsumerRebalanceListener}. A consumer of our own (the intake endpoint's client factory) wraps that listener,
 * so that the intake stops starting a revoked partition's records inside the poll that revokes it (Kafka calls
 * {@code onPartitionsRevoked} before the member rejoins, hence before anyone else is assigned the partition); and counts
 * the records each poll brought, because camel-kafka gathers a batch over several polls and may hand over, after a
 * revocation, records it polled before it. Checking {@code consumer.assignment()} instead would see neither: a
 * partition revoked and assigned back between two polls is in both assignments.
 */
public class IntakeConsumer extends MeteredKafkaClientFactory.MeteredConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeConsumer.class);

    private final IntakeBatches batches;

    IntakeConsumer(Properties properties, MeterRegistry registry, IntakeBatches batches) {
        super(properties, registry);
        this.batches = batches;
    }

    /** The intake endpoint's client factory: metered consumers (as every other) that are {@link IntakeConsumer}s. */
    public static class Factory extends MeteredKafkaClientFactory {

        private final IntakeBatches batches;

        public Factory(Supplier<MeterRegistry> registry, IntakeBatches batches) {
            super(registry);
            this.batches = batches;
        }

        @Override
        public Consumer getConsumer(Properties kafkaProps) {
            return new IntakeConsumer(kafkaProps, registry(), batches);
        }
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        batches.subscribed();
        super.subscribe(topics, new Rebalances(listener));
    }

    @Override
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        batches.subscribed();
        super.subscribe(pattern, new Rebalances(listener));
    }

    @Override
    public ConsumerRecords<Object, Object> poll(Duration timeout) {
        ConsumerRecords<Object, Object> records = super.poll(timeout);
        batches.polled(records);
        return records;
    }

    /** camel-kafka's rebalance listener, with the intake told first. */
    private final class Rebalances implements ConsumerRebalanceListener {

        private final ConsumerRebalanceListener camel;

        Rebalances(ConsumerRebalanceListener camel) {
            this.camel = camel;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            givenUp("revoked", partitions);
            camel.onPartitionsRevoked(partitions);
        }

        /** Lost: this member was away past its session, and another may be reading them already. */
        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            givenUp("lost", partitions);
            camel.onPartitionsLost(partitions);
        }

        private void givenUp(String how, Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.info("Intake partitions {}: {}", how, partitions);
                batches.partitionsRevoked(partitions);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                LOG.info("Intake partitions assigned: {}", partitions);
            }
            camel.onPartitionsAssigned(partitions);
        }
    }
}
