package io.stkbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Reads every record of a topic from the beginning, in the background, for tests and the local run to look at. */
public final class OutcomeCollector implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What the running stacks can say about themselves when a wait times out (ledger rows, simulator counts). */
    private static final Map<String, Supplier<String>> DIAGNOSTICS = new ConcurrentHashMap<>();

    private final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
    /** Each record's value parsed once, in arrival order, so polling loops do not parse every record again. */
    private final List<JsonNode> values = new CopyOnWriteArrayList<>();
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
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        values.add(json(record.value()));
                        records.add(record);
                    }
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
        return List.copyOf(values);
    }

    public List<JsonNode> eventsOf(String intentId) {
        return values().stream().filter(v -> intentId.equals(v.path("intentId").asText())).toList();
    }

    /** An intent's events, each once: after a crash the relay may publish one again, with the same eventId. */
    public List<JsonNode> distinctEventsOf(String intentId) {
        return List.copyOf(eventsOf(intentId).stream().collect(Collectors.toMap(e -> e.path("eventId").asText(),
                Function.identity(), (first, again) -> first, LinkedHashMap::new)).values());
    }

    /** What an intent ended as: its correction if there is one, else its final event; null while there is neither. */
    public static JsonNode effective(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("correction").asBoolean()).findFirst()
                .orElseGet(() -> events.stream().filter(e -> e.path("final").asBoolean()).findFirst().orElse(null));
    }

    /** The one final event of an intent, waiting for it up to the bound. */
    public JsonNode awaitFinal(String intentId, Duration bound) {
        await(bound, () -> "final outcome of " + intentId + " (its events so far: " + eventsOf(intentId) + ")",
                () -> eventsOf(intentId).stream().anyMatch(e -> e.path("final").asBoolean()));
        return eventsOf(intentId).stream().filter(e -> e.path("final").asBoolean()).findFirst().orElseThrow();
    }

    public List<ConsumerRecord<String, String>> awaitRecords(Predicate<ConsumerRecord<String, String>> which, int count, Duration bound) {
        await(bound, count + " records", () -> records.stream().filter(which).count() >= count);
        return records.stream().filter(which).toList();
    }

    /** A record's header as UTF-8 text (the bridge writes every header so), or "" when it has none of that name. */
    public static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public static JsonNode json(String value) {
        try {
            return MAPPER.readTree(value);
        } catch (Exception e) {
            return MAPPER.createObjectNode().put("unparseable", value);
        }
    }

    public static void await(Duration bound, String what, java.util.function.BooleanSupplier condition) {
        await(bound, () -> what, condition);
    }

    /**
     * Waits for the condition; on time-out the error says what was awaited and what every running stack reports of
     * itself ({@link #describeOnTimeout}), so that a failure in CI can be read from its log alone.
     */
    public static void await(Duration bound, Supplier<String> what, java.util.function.BooleanSupplier condition) {
        if (!within(bound, condition)) {
            StringBuilder message = new StringBuilder("timed out after " + bound + " waiting for " + what.get());
            DIAGNOSTICS.forEach((name, describe) -> {
                message.append("\n--- ").append(name).append(":\n");
                try {
                    message.append(describe.get());
                } catch (RuntimeException e) {
                    message.append("(could not be read: ").append(e).append(')');
                }
            });
            throw new AssertionError(message.toString());
        }
    }

    /** Whether the condition held within the bound (looked at every 20 ms); for a wait whose time-out is not a failure. */
    public static boolean within(Duration bound, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return true;
    }

    /** Registers what a running stack reports of itself when a wait times out; {@link #forget} when it stops. */
    public static void describeOnTimeout(String name, Supplier<String> describe) {
        DIAGNOSTICS.put(name, describe);
    }

    public static void forget(String name) {
        DIAGNOSTICS.remove(name);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(5000);
    }
}
