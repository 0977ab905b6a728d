package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.kafka.IntakeBatches;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PostgresSchemas;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second instance joins the consumer group while the first has a backlog of intent records handed to its intake
 * threads but not started: the first starts none of them of a partition it lost at the rebalance (the new owner reads
 * them from the committed offset), and every intent still gets exactly one final outcome and one push. Two instances in
 * this JVM on one broker and one PostgreSQL ledger (skipped when none is reachable, as {@link MultiInstanceTest}).
 */
class RebalanceTest {

    static final String GROUP = "stk-bridge";
    static final String INTENTS_TOPIC = "mpesa.stk.intents";
    static final int PARTITIONS = 4;
    /** As many records as the first instance's intake threads: one batch, all handed out, the consumer free to poll. */
    static final int BACKLOG = 8;
    static final Duration BOUND = Duration.ofSeconds(120);

    private record Started(String instance, TopicPartition partition, long atNanos) {
    }

    private PostgresSchemas pg;
    private EmbeddedKafka kafka;
    private DarajaSimulator daraja;
    private final Map<String, StkBridgeInstance> instances = new LinkedHashMap<>();
    private OutcomeCollector outcomes;
    private Admin admin;
    private final List<Started> started = new CopyOnWriteArrayList<>();
    /** Holds the first record the first instance starts, in its only working slot: the others wait for the slot. */
    private final CountDownLatch firstRecordHeld = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        instances.values().forEach(StkBridgeInstance::close);
        TestStack.closeQuietly(admin, outcomes, daraja, kafka, pg);
    }

    @Test
    void anInstanceStartsNoQueuedRecordOfAPartitionItLostWhenAnotherJoins() throws Exception {
        pg = PostgresSchemas.createOrSkip();
        kafka = EmbeddedKafka.start();
        daraja = TestStack.simulator().callbackDelay(Duration.ofMillis(100)).build();
        daraja.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));

        StkBridgeInstance first = start("inst-a");
        await(BOUND, "inst-a to hold every intents partition", () -> assignment(m -> true).size() == PARTITIONS);
        String firstMember = members().get(0).consumerId();     // a member keeps its id through rebalances
        outcomes = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.outcomes");
        List<String> orders = publish();
        IntakeBatches firstIntake = first.context().getRegistry().lookupByNameAndType("intakeBatches", IntakeBatches.class);
        assertTrue(firstRecordHeld.await(BOUND.toSeconds(), TimeUnit.SECONDS), "inst-a started a record");
        await(BOUND, "inst-a to have handed out the backlog", () -> firstIntake.unfinishedRecords() == BACKLOG);

        start("inst-b");
        await(BOUND, "both instances to hold partitions after the rebalance",
                () -> !assignment(m -> m.consumerId().equals(firstMember)).isEmpty()
                        && !assignment(m -> !m.consumerId().equals(firstMember)).isEmpty());
        Set<TopicPartition> lost = assignment(m -> !m.consumerId().equals(firstMember));
        long rebalanced = System.nanoTime();
        release.countDown();

        await(BOUND, "every intent to be decided", () -> orders.stream().allMatch(order -> finals(order) == 1));
        List<Started> startedByFirstOnLost = started.stream().filter(s -> s.instance().equals("inst-a")
                && s.atNanos() > rebalanced && lost.contains(s.partition())).toList();
        assertEquals(List.of(), startedByFirstOnLost, "records inst-a started after losing their partition " + lost);
        assertTrue(firstIntake.droppedAtRebalance() > 0, "inst-a had records queued at the rebalance");
        Map<String, Long> pushes = daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        for (String order : orders) {
            assertEquals(1, finals(order), order + ": one final outcome");
            assertEquals(1L, pushes.get(order), order + ": pushed once");
        }
        System.out.printf("RebalanceTest: inst-a dropped %d queued record(s) at the rebalance; inst-b took %s%n",
                firstIntake.droppedAtRebalance(), lost);
    }

    private StkBridgeInstance start(String name) throws Exception {
        Map<String, String> properties = new HashMap<>(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "daraja.base-url", daraja.baseUrl(),
                "daraja.shortcode", "174379",
                "stk.db.url", pg.appUrl(),
                "stk.db.user", pg.user(),
                "stk.instance-id", name,
                "camel.main.name", "stk-bridge-" + name,
                "stk.kafka.topic-partitions", String.valueOf(PARTITIONS),
                "stk.outbox.poll-interval-ms", "50"));
        properties.putAll(Map.of(
                "stk.max-in-flight", String.valueOf(BACKLOG),
                "stk.kafka.max-poll-records", String.valueOf(BACKLOG),
                "stk.intake.working-threads", "1",
                "camel.main.auto-startup", "false"));
        StkBridgeInstance instance = StkBridgeInstance.start(properties, TestStack.secrets());
        instances.put(name, instance);
        boolean holdsItsFirstRecord = name.equals("inst-a");
        AdviceWith.adviceWith(instance.context(), "intake-record", route -> route.weaveAddFirst().process(exchange -> {
            started.add(new Started(name, new TopicPartition(INTENTS_TOPIC,
                    exchange.getMessage().getHeader("kafka.PARTITION", Integer.class)), System.nanoTime()));
            if (holdsItsFirstRecord) {
                firstRecordHeld.countDown();
                assertTrue(release.await(BOUND.toSeconds(), TimeUnit.SECONDS));
            }
        }));
        instance.context().getRouteController().startAllRoutes();
        return instance;
    }

    /** Two intents on each partition, all at once. */
    private List<String> publish() throws Exception {
        List<String> orders = new ArrayList<>();
        String run = Long.toString(System.currentTimeMillis() % 46656, 36);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "20"))) {
            for (int i = 0; i < BACKLOG; i++) {
                String order = "R" + run + "-" + i;
                orders.add(order);
                producer.send(new ProducerRecord<>(INTENTS_TOPIC, i % PARTITIONS, order,
                        IntentPublisher.intent("rb-" + run + "-" + i, order, 100 + i, "0708374149")));
            }
            producer.flush();
        }
        return orders;
    }

    /** The intents partitions the group's members that match hold. */
    private Set<TopicPartition> assignment(java.util.function.Predicate<MemberDescription> which) {
        return members().stream().filter(which)
                .map(MemberDescription::assignment).flatMap(a -> a.topicPartitions().stream())
                .filter(tp -> tp.topic().equals(INTENTS_TOPIC)).collect(Collectors.toSet());
    }

    private List<MemberDescription> members() {
        try {
            return List.copyOf(admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP)
                    .members());
        } catch (Exception e) {
            return List.of();
        }
    }

    private long finals(String order) {
        return outcomes.values().stream().filter(e -> order.equals(e.path("orderId").asText()))
                .filter(JsonNode::isObject).filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean())
                .map(e -> e.path("eventId").asText()).distinct().count();
    }
}
