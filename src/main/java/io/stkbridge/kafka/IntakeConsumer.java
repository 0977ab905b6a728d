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
 * thread. Why a consumer of our own (the intake endpoint's client factory), of what camel-kafka 4.18 offers:
 * <ul>
 * <li>its {@code KafkaConsumerListener} ({@link IntakeCommits}) runs only after a poll returns, by which time the group
 * may already have given a revoked partition to another member; and {@code consumer.assignment()} checked there misses a
 * partition revoked and assigned back within one poll (eager rebalancing revokes every partition), whose dropped
 * records must then not be committed past;</li>
 * <li>a {@code subscribeAdapter} bean could wrap its {@code ConsumerRebalanceListener}, but would apply to every Kafka
 * consumer of the context, and shows no polls.</li>
 * </ul>
 * Wrapping the listener here, the intake stops starting a revoked partition's records inside the poll that revokes it
 * (Kafka calls {@code onPartitionsRevoked} before this member rejoins, hence before anyone else is assigned the
 * partition). Counting the records of each poll is needed because camel-kafka gathers a batch over several polls and
 * may hand over, after a revocation, records it polled before it.
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
