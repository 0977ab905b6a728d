package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.outcome.OutcomeEvent;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.SentCallback;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PostgresSchemas;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.ExpectedOutcomes;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three stk-bridge instances (each its own CamelContext, HTTP port and instance id, in this JVM) in one consumer group on
 * one broker, one Daraja simulator and one PostgreSQL ledger. A few thousand intents with faults (dropped callbacks
 * resolved by STK Query, subscriber-busy refusals, read timeouts, 5xx after prompting, duplicated callbacks, invalid
 * intents); one instance crashes mid-run while it holds sweeper and outbox claims. Every callback goes to an instance
 * other than the one that pushed, as behind a load balancer.
 *
 * <p>Asserted for every intent: exactly one final outcome (deduplicated by eventId), its ACCEPTED never after it, at
 * most one push. Across instances: no attempt queried by two at once, events published twice only if the crashed
 * instance had sent them, and the crashed instance's partitions, sweeper claims and outbox claims taken over.
 *
 * <p>Runs only on PostgreSQL (see {@link PostgresSchemas}): skipped when none is reachable, failed then when
 * {@code STK_REQUIRE_POSTGRES=true}. {@code -Dstk.multi.intents=N} changes the number of intents (default 2000).
 */
class MultiInstanceTest {

    static final int INTENTS = Integer.getInteger("stk.multi.intents", 2000);
    static final Duration BOUND = Duration.ofSeconds(240);
    static final String GROUP = "stk-bridge";
    static final String INTENTS_TOPIC = "mpesa.stk.intents";
    static final List<String> NAMES = List.of("inst-a", "inst-b", "inst-c");
    static final String VICTIM = "inst-c";
    /** Who receives whose callbacks: never the instance that pushed. */
    static final Map<String, String> CALLBACKS_TO = Map.of("inst-a", "inst-b", "inst-b", "inst-a", "inst-c", "inst-a");
    /** The simulator's amount whose callback is never sent: only a query decides it. */
    static final int NO_CALLBACK = 7000;
    static final Duration QUERY_LEASE = Duration.ofSeconds(5);
    static final Duration OUTBOX_LEASE = Duration.ofSeconds(4);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    static final Map<Integer, String> EXPECTED = ExpectedOutcomes.BY_AMOUNT;

    private record Sent(String intentId, String orderId, int amount) {
    }

    private static final int MAX_IN_FLIGHT = 32;

    private record Consumed(String instance, int partition, long offset, long atNanos) {
    }

    private record QueryCall(String instance, String checkoutRequestId, long startNanos, long endNanos) {
    }

    private PostgresSchemas pg;
    private EmbeddedKafka kafka;
    private DarajaSimulator daraja;
    private final Map<String, StkBridgeInstance> instances = new LinkedHashMap<>();
    private OutcomeCollector outcomes;
    private KafkaProducer<String, String> producer;
    private Admin admin;

    private final List<Consumed> consumed = new CopyOnWriteArrayList<>();
    private final Map<String, QueryCall> queriesInFlight = new ConcurrentHashMap<>();
    private final List<QueryCall> queryCalls = new CopyOnWriteArrayList<>();
    private final Set<String> sentByVictim = ConcurrentHashMap.newKeySet();
    private final Set<String> victimHeldBatch = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean victimQueryHeld = new AtomicBoolean();
    private final AtomicBoolean victimSlow = new AtomicBoolean();
    /** Once the victim is slow, its queries and relay hold their claims until it is cut off (no race with the snapshot). */
    private final CountDownLatch victimCutOff = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception {
        List<Thread> stopping = new ArrayList<>();
        for (StkBridgeInstance instance : instances.values()) {
            Thread thread = new Thread(instance::close, "closing-instance");
            thread.start();
            stopping.add(thread);
        }
        for (Thread thread : stopping) {
            thread.join(60_000);
        }
        TestStack.closeQuietly(producer, admin, outcomes, daraja, kafka, pg);
    }

    @Test
    void threeInstancesShareOneLedgerAndTakeOverFromOneThatCrashes() throws Exception {
        pg = PostgresSchemas.createOrSkip();
        kafka = EmbeddedKafka.start();
        daraja = TestStack.simulator()
                .callbackDelay(Duration.ofMillis(100))
                .slowAnswerDelay(Duration.ofSeconds(4))
                .build();
        daraja.start();
        daraja.duplicateCallbacks(true);
        Map<String, Integer> ports = new HashMap<>();
        NAMES.forEach(name -> ports.put(name, StkBridgeInstance.freePort()));
        for (String name : NAMES) {
            instances.put(name, StkBridgeInstance.start(properties(name, ports), TestStack.secrets()));
        }
        instances.forEach(this::instrument);          // while their routes are not started yet
        for (StkBridgeInstance instance : instances.values()) {
            instance.context().getRouteController().startAllRoutes();
        }
        outcomes = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.outcomes");
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        assertEquals(6, admin.describeTopics(List.of(INTENTS_TOPIC)).allTopicNames().get().get(INTENTS_TOPIC).partitions().size());
        await(Duration.ofSeconds(60), "every instance to hold intents partitions", () -> groupMembersWithPartitions() == NAMES.size());

        // --- publish -------------------------------------------------------------------------------------------------
        long started = System.nanoTime();
        String run = Long.toString(System.currentTimeMillis() % 46656, 36);
        List<Sent> sent = new ArrayList<>();
        Map<String, Sent> sentAt = publish(mix(INTENTS, 7), run, sent);    // "partition:offset" → intent

        // --- crash one instance while it holds sweeper and outbox claims -----------------------------------------------
        await(BOUND, "a tenth of the intents to be decided", () -> finals(sent) >= INTENTS / 10);
        victimSlow.set(true);        // Daraja slow to answer it, its relay slow: its claims stay held for a while
        // its relay held up with a claimed batch in hand (the batch's claims may lapse meanwhile and pass to the others)
        // and its sweeper held up about to query an attempt it claimed: the others query that attempt once its lease ends
        await(BOUND, VICTIM + " to hold sweeper and outbox claims", () -> heldQueryClaims() > 0
                && victimQueryHeld.get() && !victimHeldBatch.isEmpty());
        long decidedAtCrash = finals(sent);
        long crashNanos = System.nanoTime();
        instances.get(VICTIM).cutOffFromLedger();       // as the process dies, nothing more it does reaches the ledger
        Set<String> attemptsLeftClaimed = new TreeSet<>(pg.rows("SELECT attempt_id FROM stk_attempt WHERE claimed_by = ?", VICTIM)
                .stream().map(r -> r.get(0)).toList());
        // the batch its relay holds: claimed by it, never marked published by it (a batch its relay had already passed
        // on before it was held up may be marked published by it at any moment up to the cut-off, so it is not counted)
        Set<String> eventsLeftClaimed = new TreeSet<>(victimHeldBatch);
        victimCutOff.countDown();                        // what it was doing goes on, and reaches Kafka at most
        instances.get(VICTIM).crash();
        long crashedNanos = System.nanoTime();
        assertTrue(decidedAtCrash < INTENTS, "the crash came mid-run: " + decidedAtCrash + " of " + INTENTS + " decided");

        // --- wait until everything is decided and on Kafka ---------------------------------------------------------------
        await(BOUND, "every intent to be settled", () -> settled(sent) == sent.size());
        await(BOUND, "the outbox to be drained", () -> "0".equals(pg.value("SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL")));
        Set<String> ledgerEvents = new HashSet<>(pg.rows("SELECT event_id FROM stk_outbox").stream().map(r -> r.get(0)).toList());
        await(BOUND, "every published event to be read back", () -> collectedEventIds().containsAll(ledgerEvents));
        double seconds = (System.nanoTime() - started) / 1e9;

        // --- per intent: one final outcome, in order, one push ----------------------------------------------------------
        Map<String, Long> pushesPerOrder = daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        Map<String, List<JsonNode>> eventsByIntent = events();
        Map<String, List<String>> attemptStatuses = pg.rows("SELECT intent_id, status FROM stk_attempt").stream()
                .collect(Collectors.groupingBy(r -> r.get(0), Collectors.mapping(r -> r.get(1), Collectors.toList())));
        List<String> interrupted = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        for (Sent s : sent) {
            List<JsonNode> events = eventsByIntent.getOrDefault(s.intentId(), List.of());
            Map<String, JsonNode> distinct = new LinkedHashMap<>();
            events.forEach(e -> distinct.putIfAbsent(e.path("eventId").asText(), e));
            List<JsonNode> finals = distinct.values().stream()
                    .filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).toList();
            assertEquals(1, finals.size(), s + " must have exactly one final event: " + distinct.values());
            assertTrue(distinct.values().stream().filter(e -> e.path("correction").asBoolean()).count() <= 1, s + " corrected twice");
            assertTrue(distinct.values().stream().filter(e -> "ACCEPTED".equals(e.path("status").asText())).count() <= 1,
                    s + " accepted twice");
            // order as first delivered: a copy re-published after the crash repeats an event the consumer already has
            List<JsonNode> firstCopies = List.copyOf(distinct.values());
            int firstFinal = indexOf(firstCopies, e -> e.path("final").asBoolean());
            assertTrue(lastIndexOf(firstCopies, e -> "ACCEPTED".equals(e.path("status").asText())) < firstFinal,
                    s + ": an ACCEPTED after the final event: " + events);
            assertTrue(indexOf(firstCopies, e -> e.path("correction").asBoolean()) == -1
                    || indexOf(firstCopies, e -> e.path("correction").asBoolean()) > firstFinal, s + ": a correction before the final event");
            assertTrue(pushesPerOrder.getOrDefault(s.orderId(), 0L) <= 1, s + " was pushed twice");

            JsonNode effective = distinct.values().stream().filter(e -> e.path("correction").asBoolean()).findFirst()
                    .orElse(finals.get(0));
            String status = effective.path("status").asText();
            if ("UNKNOWN".equals(status) && "PUSH_INTERRUPTED".equals(effective.path("reason").asText())) {
                interrupted.add(s.intentId());                    // cut off by the crash: the customer may have been prompted
            } else if ("UNKNOWN".equals(status) && "PUSH_OUTCOME_UNKNOWN".equals(effective.path("reason").asText())
                    && !correctionCanCome(s, daraja.pushes(), daraja.callbacksSent())) {
                unanswered.add(s.intentId());                     // its answer timed out and no callback will ever tell
            } else {
                assertEquals(EXPECTED.get(s.amount()), status, s + ": " + distinct.values());
            }
            assertEquals(List.of(status), attemptStatuses.get(s.intentId()), s + " has one attempt row, in the state published");
        }
        // a crash cuts off at most the pushes the instance had under way (README, Throughput and in-flight pushes)
        assertTrue(interrupted.size() <= MAX_IN_FLIGHT, "pushes cut off by one crash: " + interrupted);
        // read timeouts on a loaded machine, each sent once (checked above) and left UNKNOWN rather than guessed
        assertTrue(unanswered.size() <= INTENTS / 20, "pushes whose answer timed out: " + unanswered);

        // --- events: published twice only by the crash ---------------------------------------------------------------
        Map<String, Long> copies = eventsByIntent.values().stream().flatMap(List::stream).map(e -> e.path("eventId").asText())
                .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        Set<String> duplicated = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(TreeSet::new));
        // not vacuous: the crashed instance had sent events it never marked published, which the others then publish
        Set<String> sentNotMarked = new TreeSet<>(eventsLeftClaimed);
        sentNotMarked.retainAll(sentByVictim);
        assertFalse(sentNotMarked.isEmpty(), VICTIM + " sent events it left claimed and unpublished: left claimed "
                + eventsLeftClaimed.size() + ", sent by it " + sentByVictim.size());
        assertTrue(sentByVictim.containsAll(duplicated), "events published twice that the crashed instance never sent: "
                + duplicated.stream().filter(id -> !sentByVictim.contains(id)).toList());

        // --- queries: never two instances on one attempt at once ----------------------------------------------------------
        // not vacuous: queries ran, and some attempt was queried by two instances (the crashed one's, taken over)
        assertFalse(queryCalls.isEmpty(), "no query ran");
        Map<String, Set<String>> queriersByAttempt = new HashMap<>();
        queryCalls.forEach(q -> queriersByAttempt.computeIfAbsent(q.checkoutRequestId(), k -> new TreeSet<>()).add(q.instance()));
        queriesInFlight.values().forEach(q -> queriersByAttempt.computeIfAbsent(q.checkoutRequestId(), k -> new TreeSet<>()).add(q.instance()));
        assertTrue(queriersByAttempt.values().stream().anyMatch(by -> by.size() > 1),
                "no attempt was queried by two instances, so none could overlap: " + queryCalls.size() + " queries");
        List<String> overlaps = overlappingQueries();
        assertEquals(List.of(), overlaps, "attempts queried by two instances at once");
        assertEquals("0", pg.value("SELECT COUNT(*) FROM stk_query WHERE queried_by IS NULL OR queried_by NOT IN (?, ?, ?)",
                NAMES.get(0), NAMES.get(1), NAMES.get(2)), "every query names its instance");

        // --- the crashed instance's work was taken over ------------------------------------------------------------------
        assertFalse(attemptsLeftClaimed.isEmpty(), VICTIM + " left sweeper claims behind");
        for (String attemptId : attemptsLeftClaimed) {
            List<List<String>> row = pg.rows("SELECT status, claimed_by FROM stk_attempt WHERE attempt_id = ?", attemptId);
            assertTrue(List.of("SUCCEEDED", "FAILED", "UNKNOWN").contains(row.get(0).get(0)), attemptId + ": " + row);
            assertTrue(Integer.parseInt(pg.value("SELECT COUNT(*) FROM stk_query WHERE attempt_id = ? AND queried_by <> ?",
                    attemptId, VICTIM)) > 0 || !"QUERY".equals(pg.value("SELECT source FROM stk_attempt WHERE attempt_id = ?", attemptId)),
                    attemptId + " held by " + VICTIM + " was queried by another instance");
        }
        assertFalse(eventsLeftClaimed.isEmpty(), VICTIM + " left outbox claims behind");
        for (String eventId : eventsLeftClaimed) {
            List<String> row = pg.rows("SELECT claimed_by, published_at IS NOT NULL FROM stk_outbox WHERE event_id = ?", eventId).get(0);
            assertTrue(!VICTIM.equals(row.get(0)) && "t".equals(row.get(1)), eventId + " taken over and published: " + row);
        }
        // the partitions it read, where records it had not read yet were left at the crash
        Map<Integer, Long> victimReadUpTo = consumed.stream().filter(c -> c.instance().equals(VICTIM) && c.atNanos() < crashNanos)
                .collect(Collectors.toMap(Consumed::partition, Consumed::offset, Math::max, TreeMap::new));
        Set<Integer> victimPartitions = victimReadUpTo.entrySet().stream()
                .filter(p -> sentAt.keySet().stream().anyMatch(at -> at.startsWith(p.getKey() + ":")
                        && Long.parseLong(at.substring(at.indexOf(':') + 1)) > p.getValue()))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        Set<Integer> takenOver = consumed.stream().filter(c -> !c.instance().equals(VICTIM) && c.atNanos() > crashNanos)
                .map(Consumed::partition).collect(Collectors.toCollection(TreeSet::new));
        assertFalse(victimPartitions.isEmpty(), VICTIM + " had partitions with work left: " + victimReadUpTo);
        assertTrue(takenOver.containsAll(victimPartitions), VICTIM + "'s partitions " + victimPartitions
                + " read by the others after the crash: " + takenOver);
        Set<String> everyIntentSeen = consumed.stream().map(c -> sentAt.get(c.partition() + ":" + c.offset()))
                .filter(java.util.Objects::nonNull).map(Sent::intentId).collect(Collectors.toSet());
        assertEquals(INTENTS, everyIntentSeen.size(), "every intent was consumed by some instance");

        // --- the work was shared -------------------------------------------------------------------------------------------
        Map<String, Long> consumedBy = consumed.stream().collect(Collectors.groupingBy(Consumed::instance, TreeMap::new, Collectors.counting()));
        Map<String, String> publishedBy = new TreeMap<>();
        pg.rows("SELECT claimed_by, COUNT(*) FROM stk_outbox GROUP BY claimed_by").forEach(r -> publishedBy.put(r.get(0), r.get(1)));
        Map<String, String> queriedBy = new TreeMap<>();
        pg.rows("SELECT queried_by, COUNT(*) FROM stk_query GROUP BY queried_by").forEach(r -> queriedBy.put(r.get(0), r.get(1)));
        for (String name : NAMES) {
            assertTrue(consumedBy.getOrDefault(name, 0L) > 0, name + " consumed intents: " + consumedBy);
            assertTrue(publishedBy.containsKey(name), name + " published events: " + publishedBy);
        }
        Set<String> callbackTargets = daraja.pushes().stream().map(p -> p.callbackUrl().replaceAll("^https?://[^:]+:(\\d+)/.*$", "$1"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of(String.valueOf(ports.get("inst-a")), String.valueOf(ports.get("inst-b")))), callbackTargets);
        System.out.printf("MultiInstanceTest: %d intents, %d instances (%s crashed with %d of them decided, %d sweeper and %d "
                        + "outbox claims left), %.1f s; consumed %s, events published %s, queries %s, %d events published "
                        + "twice, %d pushes interrupted%n",
                INTENTS, NAMES.size(), VICTIM, decidedAtCrash, attemptsLeftClaimed.size(), eventsLeftClaimed.size(), seconds,
                consumedBy, publishedBy, queriedBy, duplicated.size(), interrupted.size());
    }

    // --- set-up --------------------------------------------------------------------------------------------------------

    private Map<String, String> properties(String name, Map<String, Integer> ports) {
        Map<String, String> properties = new HashMap<>(TestStack.FAST_SWEEPER);
        properties.putAll(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "daraja.base-url", daraja.baseUrl(),
                "daraja.shortcode", "174379",
                "stk.db.url", pg.appUrl(),
                "stk.db.user", pg.user(),
                "stk.db.pool-size", "6",
                "stk.outbox.poll-interval-ms", "50",
                "camel.component.http.so-timeout", String.valueOf(READ_TIMEOUT.toMillis()),
                "camel.component.http.response-timeout", String.valueOf(READ_TIMEOUT.toMillis()),
                "daraja.push-connect-retry-delay-ms", "50"));
        properties.putAll(Map.of(
                "daraja.push-busy-retries", "2",
                "daraja.push-busy-retry-delay-ms", "50",
                "daraja.push-connect-retries", "1",
                "daraja.outage-pause-ms", "200",
                "daraja.outage-give-up-ms", "1000",
                "daraja.deferred-sweep-interval-ms", "100",
                "daraja.push-tps-per-shortcode", "500",
                "stk.kafka.topic-partitions", "6"));
        // a push cut off by a killed or frozen instance waits 15 s for its callback, not 5 min: longer than a push
        // waits for its answer (5 s + 5 s + READ_TIMEOUT)
        properties.put("stk.push.interrupted-wait-ms", "15000");
        properties.putAll(Map.of(
                "stk.query.first-delay-ms", "1500",
                "stk.query.retry-max-ms", "1000",
                // also how long a never-sent attempt waits for its intent to be read again before the sweeper fails
                // it: a killed instance's partition can take over a minute to be re-read on a loaded 2-core machine
                "stk.query.give-up-after-ms", "300000",
                "stk.query.lease-ms", String.valueOf(QUERY_LEASE.toMillis()),
                "stk.query.tps-per-shortcode", "100",
                "stk.outbox.lease-ms", String.valueOf(OUTBOX_LEASE.toMillis()),
                "stk.instance-id", name,
                "camel.main.name", "stk-bridge-" + name,
                "camel.server.port", String.valueOf(ports.get(name)),
                "stk.callback.base-url", "http://127.0.0.1:" + ports.get(CALLBACKS_TO.get(name))));
        properties.put("stk.max-in-flight", String.valueOf(MAX_IN_FLIGHT));
        properties.put("camel.main.auto-startup", "false");         // started once instrumented
        return properties;
    }

    /** Records what each instance consumes and queries; makes the victim slow (Daraja and Kafka) once told to. */
    private void instrument(String name, StkBridgeInstance instance) {
        boolean victim = name.equals(VICTIM);
        try {
            // each record of an intake batch runs as its own exchange in intake-record, with its Kafka headers
            AdviceWith.adviceWith(instance.context(), "intake-record", route -> route.weaveAddFirst().process(exchange ->
                    consumed.add(new Consumed(name, exchange.getMessage().getHeader("kafka.PARTITION", Integer.class),
                            exchange.getMessage().getHeader("kafka.OFFSET", Long.class), System.nanoTime()))));
            AdviceWith.adviceWith(instance.context(), "stk-query", route -> {
                route.weaveById("call-stk-query").before().process(exchange -> {
                    Attempt attempt = exchange.getProperty("attempt", Attempt.class);
                    // held: a query of an attempt whose callback never comes (7000), so that only the others' queries
                    // can decide it once the victim is gone (one whose callback came meanwhile would need no take-over)
                    if (victim && victimSlow.get() && attempt.amount() == NO_CALLBACK) {
                        victimQueryHeld.set(true);
                        victimCutOff.await(60, TimeUnit.SECONDS);   // waiting for a connection to Daraja, before anything is sent
                    }
                    queriesInFlight.put(exchange.getExchangeId(),
                            new QueryCall(name, attempt.checkoutRequestId(), System.nanoTime(), -1));
                });
                route.weaveById("call-stk-query").after().process(exchange -> {
                    QueryCall started = queriesInFlight.remove(exchange.getExchangeId());
                    if (started != null) {
                        queryCalls.add(new QueryCall(name, started.checkoutRequestId(), started.startNanos(), System.nanoTime()));
                    }
                });
            });
            AdviceWith.adviceWith(instance.context(), "outcome-relay", route -> route.weaveById("publish-outcome").before()
                    .process(exchange -> {
                        if (victim) {
                            if (victimSlow.get()) {
                                for (Object event : exchange.getProperty("events", List.class)) {
                                    victimHeldBatch.add(((OutcomeEvent) event).eventId());
                                }
                                victimCutOff.await(60, TimeUnit.SECONDS);   // Kafka slow to take its events
                            }
                            for (Object event : exchange.getProperty("events", List.class)) {
                                sentByVictim.add(((OutcomeEvent) event).eventId());
                            }
                        }
                    }));
        } catch (Exception e) {
            throw new IllegalStateException("could not instrument " + name, e);
        }
    }

    private int groupMembersWithPartitions() {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP);
            return (int) group.members().stream().map(MemberDescription::assignment)
                    .filter(a -> a.topicPartitions().stream().anyMatch(tp -> tp.topic().equals(INTENTS_TOPIC))).count();
        } catch (Exception e) {
            return 0;
        }
    }

    /** A deterministic mix: mostly payments that succeed, every fault represented many times. */
    private static List<Integer> mix(int count, long seed) {
        Random random = new Random(seed);
        List<Integer> faults = List.of(7000, 7000, 7000, 1032, 1037, 1111, 2001, 5100, 5001, 4002, 0);
        List<Integer> amounts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int roll = random.nextInt(100);
            amounts.add(roll < 60 ? 100 + random.nextInt(40) : roll < 99 ? faults.get(random.nextInt(faults.size())) : 6000);
        }
        return amounts;
    }

    /** Publishes every intent (a few twice, as a retrying producer would); returns them by partition:offset. */
    private Map<String, Sent> publish(List<Integer> amounts, String run, List<Sent> sent) throws Exception {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "5"));
        Map<Future<RecordMetadata>, Sent> pending = new LinkedHashMap<>();
        for (int i = 0; i < amounts.size(); i++) {
            String orderId = "M" + run + "-" + i;                 // ≤ 12 characters: the push's AccountReference
            Sent one = new Sent("mi-" + run + "-" + i, orderId, amounts.get(i));
            sent.add(one);
            String intent = IntentPublisher.intent(one.intentId(), orderId, one.amount(), "0708374149");
            pending.put(producer.send(new ProducerRecord<>(INTENTS_TOPIC, orderId, intent)), one);
            if (i % 50 == 7) {
                pending.put(producer.send(new ProducerRecord<>(INTENTS_TOPIC, orderId, intent)), one);
            }
        }
        producer.flush();
        Map<String, Sent> byPosition = new HashMap<>();
        for (Map.Entry<Future<RecordMetadata>, Sent> entry : pending.entrySet()) {
            RecordMetadata metadata = entry.getKey().get(30, TimeUnit.SECONDS);
            byPosition.put(metadata.partition() + ":" + metadata.offset(), entry.getValue());
        }
        return byPosition;
    }

    // --- conditions and checks --------------------------------------------------------------------------------------------

    private int heldQueryClaims() {
        return Integer.parseInt(pg.value("SELECT COUNT(*) FROM stk_attempt WHERE claimed_by = ? AND claimed_until > ?",
                VICTIM, java.time.OffsetDateTime.now()));
    }

    private final List<JsonNode> parsed = new ArrayList<>();
    private final Map<String, List<JsonNode>> byIntent = new HashMap<>();

    /** The outcome events read so far by intent, in the order read (per intent: the partition's order). */
    private synchronized Map<String, List<JsonNode>> events() {
        List<ConsumerRecord<String, String>> records = outcomes.records();
        for (int i = parsed.size(); i < records.size(); i++) {
            JsonNode event = OutcomeCollector.json(records.get(i).value());
            parsed.add(event);
            byIntent.computeIfAbsent(event.path("intentId").asText(), k -> new ArrayList<>()).add(event);
        }
        return byIntent;
    }

    private long finals(List<Sent> sent) {
        Map<String, List<JsonNode>> events = events();
        return sent.stream().filter(s -> events.getOrDefault(s.intentId(), List.of()).stream()
                .anyMatch(e -> e.path("final").asBoolean())).count();
    }

    /**
     * Decided; a push whose answer was lost (5xx, read timeout) also corrected by its callback, if one can still come: the
     * simulator registered the push and has a callback for it that it has not sent yet or that was delivered. A read
     * timeout on a busy machine can hit a push whose callback never comes (7000, a refused push, a callback addressed
     * to the crashed instance): that intent stays UNKNOWN, honestly, and is settled.
     */
    private long settled(List<Sent> sent) {
        Map<String, List<JsonNode>> all = events();
        List<ReceivedPush> pushes = daraja.pushes();
        List<SentCallback> callbacks = daraja.callbacksSent();
        return sent.stream().filter(s -> {
            List<JsonNode> events = all.getOrDefault(s.intentId(), List.of());
            boolean hasFinal = events.stream().anyMatch(e -> e.path("final").asBoolean());
            boolean awaitsCorrection = events.stream().anyMatch(e -> "PUSH_OUTCOME_UNKNOWN".equals(e.path("reason").asText()))
                    && events.stream().noneMatch(e -> e.path("correction").asBoolean())
                    && correctionCanCome(s, pushes, callbacks);
            return hasFinal && !awaitsCorrection;
        }).count();
    }

    /** Whether a callback may still correct the intent's outcome: one was delivered, or one is still to be sent. */
    private static boolean correctionCanCome(Sent s, List<ReceivedPush> pushes, List<SentCallback> callbacks) {
        Set<String> checkouts = pushes.stream().filter(p -> p.accountReference().equals(s.orderId()))
                .map(ReceivedPush::checkoutRequestId).collect(Collectors.toSet());
        if (checkouts.isEmpty() || s.amount() == 7000) {
            return false;                                         // never registered, or its callback is never sent
        }
        List<SentCallback> sentForIt = callbacks.stream().filter(c -> checkouts.contains(c.checkoutRequestId())).toList();
        return sentForIt.isEmpty() || sentForIt.stream().anyMatch(SentCallback::delivered);
    }

    private Set<String> collectedEventIds() {
        return events().values().stream().flatMap(List::stream).map(e -> e.path("eventId").asText()).collect(Collectors.toSet());
    }

    /**
     * Queries of one attempt by two instances whose times overlap. A query still open when its instance crashed is
     * taken to have lasted until the client's read timeout.
     */
    private List<String> overlappingQueries() {
        List<QueryCall> calls = new ArrayList<>(queryCalls);
        for (QueryCall open : queriesInFlight.values()) {
            calls.add(new QueryCall(open.instance(), open.checkoutRequestId(), open.startNanos(),
                    open.startNanos() + READ_TIMEOUT.toNanos()));
        }
        Map<String, List<QueryCall>> byAttempt = calls.stream().collect(Collectors.groupingBy(QueryCall::checkoutRequestId));
        List<String> overlaps = new ArrayList<>();
        byAttempt.forEach((checkout, list) -> {
            for (int i = 0; i < list.size(); i++) {
                for (int j = i + 1; j < list.size(); j++) {
                    QueryCall a = list.get(i);
                    QueryCall b = list.get(j);
                    if (!a.instance().equals(b.instance()) && a.startNanos() < b.endNanos() && b.startNanos() < a.endNanos()) {
                        overlaps.add(checkout + ": " + a + " / " + b);
                    }
                }
            }
        });
        return overlaps;
    }

    private static int indexOf(List<JsonNode> events, java.util.function.Predicate<JsonNode> which) {
        for (int i = 0; i < events.size(); i++) {
            if (which.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(List<JsonNode> events, java.util.function.Predicate<JsonNode> which) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (which.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
