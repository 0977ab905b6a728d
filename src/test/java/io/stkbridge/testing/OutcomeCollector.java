package io.stkbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Reads every record of a topic from the beginning, in the background, for tests and the local run to look at. */
public final class OutcomeCollector implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean running = true;

    public OutcomeCollector(String bootstrapServers, String topic) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        poller = new Thread(() -> {
            try (consumer) {
                while (running) {
                    consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                }
            }
        }, "collector-" + topic);
        poller.setDaemon(true);
        poller.start();
    }

    public List<ConsumerRecord<String, String>> records() {
        return List.copyOf(records);
    }

    public List<JsonNode> values() {
        return records.stream().map(r -> json(r.value())).toList();
    }

    public List<JsonNode> eventsOf(String intentId) {
        return values().stream().filter(v -> intentId.equals(v.path("intentId").asText())).toList();
    }

    /** The one final event of an intent, waiting for it up to the bound. */
    public JsonNode awaitFinal(String intentId, Duration bound) {
        await(bound, "final outcome of " + intentId,
                () -> eventsOf(intentId).stream().anyMatch(e -> e.path("final").asBoolean()));
        return eventsOf(intentId).stream().filter(e -> e.path("final").asBoolean()).findFirst().orElseThrow();
    }

    public List<ConsumerRecord<String, String>> awaitRecords(Predicate<ConsumerRecord<String, String>> which, int count, Duration bound) {
        await(bound, count + " records", () -> records.stream().filter(which).count() >= count);
        return records.stream().filter(which).toList();
    }

    public static JsonNode json(String value) {
        try {
            return MAPPER.readTree(value);
        } catch (Exception e) {
            return MAPPER.createObjectNode().put("unparseable", value);
        }
    }

    public static void await(Duration bound, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + bound + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(5000);
    }
}
