package io.stkbridge.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.stkbridge.daraja.PushesInFlight;
import io.stkbridge.ledger.Outbox;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.PostgresSchemas;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import javax.sql.DataSource;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The throughput benchmark (a command, not a test): the in-process Kafka broker, the Daraja simulator and stk-bridge in
 * this JVM. It publishes N intents at once, waits for every final outcome event and prints throughput, latency
 * percentiles, peak heap and the in-flight level reached.
 *
 * <pre>
 * mvn -q test-compile exec:java@bench -Dbench.intents=5000 -Dbench.push-latency-ms=0
 * </pre>
 *
 * Options (system properties): {@code bench.intents} (5000), {@code bench.push-latency-ms} (0, the simulator's answer
 * time for every push), {@code bench.max-in-flight} (200, STK_MAX_IN_FLIGHT), {@code bench.max-poll-records} (the
 * bridge's default), {@code bench.callback-delay-ms} (push latency + 100 ms, push to callback), {@code bench.warmup} (3000 intents first,
 * not measured), {@code bench.push-tps} (100000: the per-shortcode rate limit, high so that it does not decide),
 * {@code bench.instances} (1: more start further stk-bridge instances in this JVM, same broker, simulator, consumer
 * group and ledger), {@code bench.db} ({@code h2}, in memory; {@code h2-file}, an H2 file under target/bench as the
 * default ledger runs, with {@code bench.h2-url-settings} appended to its URL; or {@code postgres}: a fresh schema on the
 * local PostgreSQL, see {@link PostgresSchemas}; implied by more than one instance), {@code bench.partitions} (intents topic partitions: the
 * bridge's default 3 on H2, 6 on PostgreSQL).
 * The bridge's INFO log goes to {@code target/bench/stk-bridge.log}.
 */
public final class Benchmark {

    private static final Pattern ORDER_ID = Pattern.compile("\"orderId\":\"([^\"]+)\"");

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("log4j2.configurationFile", "bench-log4j2.properties");
        int status;
        try {
            status = new Run().run() ? 0 : 1;
        } catch (Throwable failure) {
            failure.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    static final class Run {
        final int intents = Integer.getInteger("bench.intents", 5000);
        final long pushLatencyMs = Long.getLong("bench.push-latency-ms", 0);
        final int maxInFlight = Integer.getInteger("bench.max-in-flight", 200);
        final String maxPollRecords = System.getProperty("bench.max-poll-records");
        /** After the push's answer, as with a customer who answers the prompt at once. */
        final long callbackDelayMs = Long.getLong("bench.callback-delay-ms", pushLatencyMs + 100);
        final int warmup = Integer.getInteger("bench.warmup", 3000);
        final String pushTps = System.getProperty("bench.push-tps", "100000");
        final int instanceCount = Integer.getInteger("bench.instances", 1);
        /** Several instances need a ledger they can share: PostgreSQL. */
        final boolean postgres = instanceCount > 1 || "postgres".equalsIgnoreCase(System.getProperty("bench.db", "h2"));
        final String partitions = System.getProperty("bench.partitions", postgres ? "6" : null);
        /** The stk-bridge instances: the test stack's own first, then the others. */
        final List<StkBridgeInstance> apps = new ArrayList<>();
        /** orderId → the instance (index into apps) whose intake polled its record. */
        final Map<String, Integer> consumedBy = new ConcurrentHashMap<>();
        AtomicIntegerArray peakInFlightPerInstance;

        /** orderId → when the intake polled its record. */
        final Map<String, Instant> consumedAt = new ConcurrentHashMap<>();
        final AtomicLong peakHeapUsed = new AtomicLong();
        final AtomicLong peakHeapAfterGc = new AtomicLong();
        final AtomicInteger peakInFlightSampled = new AtomicInteger();
        final AtomicLong inFlightSum = new AtomicLong();
        final AtomicLong busyWorkersSum = new AtomicLong();
        final AtomicLong samples = new AtomicLong();
        /** -Dbench.timeline=true prints the intake threads' occupancy every quarter second. */
        static final boolean TIMELINE = Boolean.getBoolean("bench.timeline");
        final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
        volatile long timelineStart = System.nanoTime();
        long peakOutboxBacklog;
        long cpuNanos;
        volatile boolean sampling = true;

        boolean run() throws Exception {
            double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            System.out.printf(Locale.ROOT, "stk-bridge benchmark: %d intents, push latency %d ms, STK_MAX_IN_FLIGHT %d, "
                            + "max-poll-records %s, callback delay %d ms, warm-up %d%n", intents, pushLatencyMs, maxInFlight,
                    maxPollRecords == null ? "default" : maxPollRecords, callbackDelayMs, warmup);
            System.out.printf(Locale.ROOT, "instances: %d, ledger %s, intents topic partitions %s%n", instanceCount,
                    postgres ? "PostgreSQL" : "h2-file".equalsIgnoreCase(System.getProperty("bench.db", "h2"))
                            ? "H2 (file)" : "H2 (in memory)", partitions == null ? "default" : partitions);
            System.out.printf(Locale.ROOT, "machine: %d cores, Java %s, max heap %d MB, load average before %.2f%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    Runtime.getRuntime().maxMemory() >> 20, loadBefore);
            Map<String, String> properties = new HashMap<>(Map.of(
                    "stk.max-in-flight", String.valueOf(maxInFlight),
                    "daraja.push-tps-per-shortcode", pushTps,
                    "camel.component.http.so-timeout", "15000",
                    "camel.component.http.response-timeout", "15000",
                    "stk.push.interrupted-wait-ms", "20000"));
            if (System.getProperty("bench.db-pool") != null) {
                properties.put("stk.db.pool-size", System.getProperty("bench.db-pool"));
            }
            if (maxPollRecords != null) {
                properties.put("stk.kafka.max-poll-records", maxPollRecords);
            }
            if (partitions != null) {
                properties.put("stk.kafka.topic-partitions", partitions);
            }
            PostgresSchemas pg = null;
            if (postgres) {
                pg = PostgresSchemas.createOrSkip();
                properties.put("stk.db.url", pg.appUrl());
                properties.put("stk.db.user", pg.user());
                properties.put("stk.instance-id", "bench-1");
            } else if ("h2-file".equalsIgnoreCase(System.getProperty("bench.db", "h2"))) {
                // the embedded default as it runs in production: a file, every commit written before it returns
                // (bench.h2-url-settings, e.g. ";WRITE_DELAY=500", measures H2's own default instead)
                properties.put("stk.db.url", "jdbc:h2:file:./target/bench/ledger-" + java.util.UUID.randomUUID()
                        + System.getProperty("bench.h2-url-settings", ""));
            }
            try {
                return runOn(properties, loadBefore);
            } finally {
                if (pg != null) {
                    pg.close();
                }
            }
        }

        private boolean runOn(Map<String, String> properties, double loadBefore) throws Exception {
            try (TestStack stack = TestStack.start(properties)) {
                apps.add(stack.app);
                try {
                    for (int i = 2; i <= instanceCount; i++) {
                        apps.add(stack.startAnotherApp(Map.of("stk.instance-id", "bench-" + i,
                                "camel.main.name", "stk-bridge-bench-" + i)));
                    }
                    return measure(stack, loadBefore);
                } finally {
                    for (int i = apps.size() - 1; i >= 1; i--) {
                        apps.get(i).close();
                    }
                }
            }
        }

        /** Every instance holds some of the intents topic's partitions before anything is published. */
        private void awaitPartitionsSpread(TestStack stack) throws Exception {
            if (instanceCount < 2) {
                return;
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (true) {
                    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("stk-bridge")).all()
                            .get(10, TimeUnit.SECONDS).get("stk-bridge");
                    long holding = group.members().stream().filter(m -> m.assignment().topicPartitions().stream()
                            .anyMatch(tp -> tp.topic().equals("mpesa.stk.intents"))).count();
                    if (holding >= instanceCount) {
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + holding + " of " + instanceCount
                                + " instances hold intents partitions after 60 s");
                    }
                    Thread.sleep(200);
                }
            }
        }

        private boolean measure(TestStack stack, double loadBefore) throws Exception {
            stack.daraja.callbackDelay(Duration.ofMillis(callbackDelayMs));
            stack.daraja.pushLatency(Duration.ofMillis(pushLatencyMs));
            recordConsumeTimes();
            awaitPartitionsSpread(stack);        // after the intake routes were advised (which restarts them)
            Thread sampler = startSampler();
            watchGarbageCollections();

            if (warmup > 0) {
                System.out.printf("warm-up: %d intents …%n", warmup);
                List<String> warm = publish(stack, "W", warmup);
                awaitFinals(stack, warm, Duration.ofMinutes(10));
            }
            stack.daraja.reset();
            stack.daraja.callbackDelay(Duration.ofMillis(callbackDelayMs));
            stack.daraja.pushLatency(Duration.ofMillis(pushLatencyMs));
            peakInFlightSampled.set(0);
            peakInFlightPerInstance = new AtomicIntegerArray(apps.size());
            inFlightSum.set(0);
            busyWorkersSum.set(0);
            samples.set(0);
            timeline.clear();
            timelineStart = System.nanoTime();
            peakHeapUsed.set(0);
            peakHeapAfterGc.set(0);

            System.out.printf("measuring: %d intents …%n", intents);
            peakOutboxBacklog = 0;
            long cpuBefore = processCpuNanos();
            long started = System.nanoTime();
            List<String> orders = publish(stack, "B", intents);
            long published = System.nanoTime();
            awaitFinals(stack, orders, Duration.ofMinutes(30));
            long finished = System.nanoTime();
            cpuNanos = processCpuNanos() - cpuBefore;
            sampling = false;
            sampler.join();
            return report(stack, orders, Duration.ofNanos(published - started), Duration.ofNanos(finished - started),
                    loadBefore);
        }

        /** This JVM's CPU time (user + system), in nanoseconds. */
        static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        /** Notes when the intake polled each record: the first step of the intake route, on the consumer thread. */
        private void recordConsumeTimes() throws Exception {
            for (int i = 0; i < apps.size(); i++) {
                int instance = i;
                AdviceWith.adviceWith(apps.get(i).context(), "intake", route -> route.weaveAddFirst().process(exchange -> {
                    Instant now = Instant.now();
                    for (Object record : exchange.getMessage().getBody(List.class)) {
                        Matcher orderId = ORDER_ID.matcher(((Exchange) record).getMessage().getBody(String.class));
                        if (orderId.find()) {
                            consumedAt.putIfAbsent(orderId.group(1), now);
                            consumedBy.putIfAbsent(orderId.group(1), instance);
                        }
                    }
                }));
            }
        }

        /** Samples every instance's pushes in flight and busy intake threads; the totals are over all instances. */
        private Thread startSampler() {
            List<PushesInFlight> inFlights = new ArrayList<>();
            List<ThreadPoolExecutor> pools = new ArrayList<>();
            for (StkBridgeInstance app : apps) {
                inFlights.add(app.context().getRegistry().lookupByNameAndType("pushesInFlight", PushesInFlight.class));
                pools.add(app.context().getRegistry().lookupByNameAndType("intakeThreads", ThreadPoolExecutor.class));
            }
            peakInFlightPerInstance = new AtomicIntegerArray(apps.size());
            Thread sampler = new Thread(() -> {
                while (sampling) {
                    int now = 0;
                    int busy = 0;
                    int queued = 0;
                    for (int i = 0; i < inFlights.size(); i++) {
                        int here = inFlights.get(i).now();
                        now += here;
                        int instance = i;
                        peakInFlightPerInstance.accumulateAndGet(instance, here, Math::max);
                        ThreadPoolExecutor workers = pools.get(i);
                        if (workers != null) {
                            busy += workers.getActiveCount();
                            queued += workers.getQueue().size();
                        }
                    }
                    peakInFlightSampled.accumulateAndGet(now, Math::max);
                    inFlightSum.addAndGet(now);
                    busyWorkersSum.addAndGet(busy);
                    samples.incrementAndGet();
                    if (TIMELINE && samples.get() % 25 == 0) {
                        timeline.add(String.format(Locale.ROOT, "%6d ms  busy %3d  queued %5d  pushes %3d",
                                (System.nanoTime() - timelineStart) / 1_000_000, busy, queued, now));
                    }
                    peakHeapUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sampler");
            sampler.setDaemon(true);
            sampler.start();
            return sampler;
        }

        /** The heap in use right after each collection: what the run needs, as opposed to garbage not yet collected. */
        private void watchGarbageCollections() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                        return;
                    }
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                    long after = 0;
                    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                        if (!pool.getKey().contains("Metaspace") && !pool.getKey().contains("CodeHeap")
                                && !pool.getKey().contains("Compressed Class")) {
                            after += pool.getValue().getUsed();
                        }
                    }
                    peakHeapAfterGc.accumulateAndGet(after, Math::max);
                }, null, null);
            }
        }

        /** Publishes all at once (asynchronously, then waits for the acknowledgements); returns the orderIds. */
        private List<String> publish(TestStack stack, String prefix, int count) throws Exception {
            List<String> orders = new ArrayList<>(count);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, "5"))) {
                List<Future<?>> sent = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    String orderId = String.format(Locale.ROOT, "%s%07d", prefix, i);     // ≤ 12: the AccountReference
                    orders.add(orderId);
                    sent.add(producer.send(new ProducerRecord<>("mpesa.stk.intents", orderId,
                            IntentPublisher.intent("bench-" + orderId, orderId, 100 + i % 900, "0708374149"))));
                }
                for (Future<?> each : sent) {
                    each.get();
                }
            }
            return orders;
        }

        /** Every order has its final outcome event on the outcomes topic (as a downstream consumer sees it). */
        private void awaitFinals(TestStack stack, List<String> orders, Duration bound) throws InterruptedException {
            Outbox outbox = stack.app.context().getRegistry().lookupByNameAndType("outbox", Outbox.class);
            Set<String> waiting = Collections.newSetFromMap(new ConcurrentHashMap<>());
            waiting.addAll(orders);
            int seen = 0;
            long deadline = System.nanoTime() + bound.toNanos();
            long lastReport = System.nanoTime();
            while (!waiting.isEmpty()) {
                List<ConsumerRecord<String, String>> records = stack.outcomes.records();
                for (int i = seen; i < records.size(); i++) {
                    if (records.get(i).value().contains("\"final\":true")) {
                        waiting.remove(records.get(i).key());
                    }
                }
                seen = records.size();
                peakOutboxBacklog = Math.max(peakOutboxBacklog, outbox.backlog());
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(waiting.size() + " intents have no final outcome after " + bound);
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    System.out.printf("  … %d of %d final%n", orders.size() - waiting.size(), orders.size());
                    lastReport = System.nanoTime();
                }
                Thread.sleep(100);
            }
        }

        private boolean report(TestStack stack, List<String> orders, Duration publishing, Duration wall, double loadBefore)
                throws Exception {
            Set<String> measured = new HashSet<>(orders);
            Map<String, Instant> pushedAt = new HashMap<>();
            Map<String, Long> pushes = new HashMap<>();
            Map<String, Long> pushesPerInstance = new LinkedHashMap<>();
            Map<String, Long> consumedPerInstance = new LinkedHashMap<>();
            Map<String, Integer> peakPerInstance = new LinkedHashMap<>();
            for (int i = 0; i < apps.size(); i++) {
                pushesPerInstance.put(instanceName(i), 0L);
                consumedPerInstance.put(instanceName(i), 0L);
                peakPerInstance.put(instanceName(i), peakInFlightPerInstance.get(i));
            }
            for (ReceivedPush push : stack.daraja.pushes()) {
                pushedAt.putIfAbsent(push.accountReference(), push.receivedAt());
                pushes.merge(push.accountReference(), 1L, Long::sum);
                if (measured.contains(push.accountReference())) {
                    // each instance gives Daraja its own callback URL (its own HTTP port)
                    for (int i = 0; i < apps.size(); i++) {
                        if (String.valueOf(push.callbackUrl()).startsWith(apps.get(i).httpBaseUrl() + "/")) {
                            pushesPerInstance.merge(instanceName(i), 1L, Long::sum);
                        }
                    }
                }
            }
            for (String orderId : orders) {
                Integer instance = consumedBy.get(orderId);
                if (instance != null) {
                    consumedPerInstance.merge(instanceName(instance), 1L, Long::sum);
                }
            }
            DataSource dataSource = stack.app.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
            Map<String, Instant> finalPublishedAt = new HashMap<>();
            Map<String, String> finalStatus = new HashMap<>();
            List<Long> callbackToOutcome = new ArrayList<>();
            try (Connection connection = dataSource.getConnection()) {
                try (PreparedStatement select = connection.prepareStatement("""
                        SELECT a.order_id, a.status, o.published_at,
                               (SELECT MIN(c.received_at) FROM stk_callback c WHERE c.attempt_id = a.attempt_id) AS callback_at
                        FROM stk_attempt a JOIN stk_outbox o ON o.attempt_id = a.attempt_id
                        WHERE o.event_type <> 'io.stkbridge.stk.outcome.accepted'""");
                     ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String orderId = rows.getString(1);
                        if (!measured.contains(orderId)) {
                            continue;
                        }
                        Instant published = rows.getObject(3, OffsetDateTime.class).toInstant();
                        finalPublishedAt.merge(orderId, published, (a, b) -> a.isBefore(b) ? a : b);
                        finalStatus.put(orderId, rows.getString(2));
                        OffsetDateTime callbackAt = rows.getObject(4, OffsetDateTime.class);
                        if (callbackAt != null) {
                            callbackToOutcome.add(Duration.between(callbackAt.toInstant(), published).toMillis());
                        }
                    }
                }
            }
            Map<String, Long> bySource = new HashMap<>();
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement select = connection.prepareStatement("SELECT order_id, source FROM stk_attempt");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    if (measured.contains(rows.getString(1))) {
                        bySource.merge(String.valueOf(rows.getString(2)), 1L, Long::sum);
                    }
                }
            }
            Map<String, Long> callbackFailures = new HashMap<>();
            stack.daraja.callbacksSent().stream().filter(c -> !c.delivered()).forEach(c -> callbackFailures.merge(
                    c.httpStatus() != null ? "HTTP " + c.httpStatus() : String.valueOf(c.failure()).split(":")[0], 1L, Long::sum));
            Map<String, Long> others = new HashMap<>();
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement select = connection.prepareStatement(
                         "SELECT order_id, status, reason, result_desc FROM stk_attempt WHERE status <> 'SUCCEEDED'");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    if (measured.contains(rows.getString(1))) {
                        others.merge(rows.getString(2) + " " + rows.getString(3) + " (" + rows.getString(4) + ")", 1L, Long::sum);
                    }
                }
            }
            List<Long> consumedToPushed = new ArrayList<>();
            Instant firstConsumed = Instant.MAX;
            Instant lastFinal = Instant.MIN;
            List<Instant> finals = new ArrayList<>();
            for (String orderId : orders) {
                Instant consumed = consumedAt.get(orderId);
                Instant pushed = pushedAt.get(orderId);
                if (consumed != null && pushed != null) {
                    consumedToPushed.add(Duration.between(consumed, pushed).toMillis());
                }
                if (consumed != null && consumed.isBefore(firstConsumed)) {
                    firstConsumed = consumed;
                }
                Instant done = finalPublishedAt.get(orderId);
                if (done != null) {
                    finals.add(done);
                    if (done.isAfter(lastFinal)) {
                        lastFinal = done;
                    }
                }
            }
            Collections.sort(finals);
            double seconds = Duration.between(firstConsumed, lastFinal).toMillis() / 1000.0;
            double throughput = orders.size() / seconds;
            // sustained: the middle 80 % of completions, without the start-up and the tail
            int from = finals.size() / 10;
            int to = finals.size() * 9 / 10;
            double sustained = (to - from) / (Duration.between(finals.get(from), finals.get(to)).toMillis() / 1000.0);
            long succeeded = finalStatus.values().stream().filter("SUCCEEDED"::equals).count();
            long pushedTwice = pushes.values().stream().filter(n -> n > 1).count();
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

            System.out.println();
            timeline.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "instances                    %d, ledger %s; intents consumed per instance %s%n",
                    apps.size(), postgres ? "PostgreSQL" : "H2", consumedPerInstance);
            System.out.printf(Locale.ROOT, "pushes per instance          %s (by the push's callback URL); bridge gauge peak per instance %s%n",
                    pushesPerInstance, peakPerInstance);
            System.out.printf(Locale.ROOT, "intents                      %d (published in %.1f s, all final after %.1f s)%n",
                    orders.size(), publishing.toMillis() / 1000.0, wall.toMillis() / 1000.0);
            System.out.printf(Locale.ROOT, "outcomes                     %d final, %d SUCCEEDED, %d pushed twice%n",
                    finals.size(), succeeded, pushedTwice);
            System.out.printf(Locale.ROOT, "decided by                   %s; callbacks the simulator could not deliver: %s%n",
                    bySource, callbackFailures);
            others.forEach((what, count) -> System.out.printf(Locale.ROOT, "  not SUCCEEDED: %d × %s%n", count, what));
            System.out.printf(Locale.ROOT, "throughput (consumed→final)  %.1f intents/s over %.1f s; sustained (middle 80%%) %.1f intents/s%n",
                    throughput, seconds, sustained);
            System.out.printf(Locale.ROOT, "consumed → push sent (ms)    %s%n", percentiles(consumedToPushed));
            System.out.printf(Locale.ROOT, "callback → outcome published %s%n", percentiles(callbackToOutcome));
            System.out.printf(Locale.ROOT, "pushes in flight             at most %d at the simulator at once; bridge gauge peak %d (all instances together, sampled every 10 ms)%n",
                    stack.daraja.maxConcurrentPushes(), peakInFlightSampled.get());
            System.out.printf(Locale.ROOT, "                             on average %.0f pushes under way, %.0f intake threads busy%n",
                    (double) inFlightSum.get() / Math.max(1, samples.get()), (double) busyWorkersSum.get() / Math.max(1, samples.get()));
            System.out.printf(Locale.ROOT, "heap (whole JVM)             peak used %d MB, peak live after GC %d MB, max %d MB%n",
                    peakHeapUsed.get() >> 20, peakHeapAfterGc.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf(Locale.ROOT, "outbox backlog               at most %d events waiting for the relay%n", peakOutboxBacklog);
            System.out.printf(Locale.ROOT, "CPU (whole JVM)              %.1f ms per intent; %.0f%% of %d cores over the run%n",
                    cpuNanos / 1e6 / orders.size(), 100.0 * cpuNanos / wall.toNanos() / Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "load average                 %.2f before, %.2f after (1 min)%n", loadBefore, loadAfter);
            if (pushLatencyMs > 0) {
                System.out.printf(Locale.ROOT, "in-flight bound              %d × %d ÷ %.3f s = %.0f intents/s%n", apps.size(), maxInFlight,
                        pushLatencyMs / 1000.0, apps.size() * maxInFlight / (pushLatencyMs / 1000.0));
            }
            return finals.size() == orders.size() && pushedTwice == 0;
        }

        private String instanceName(int index) {
            return postgres ? "bench-" + (index + 1) : "app";
        }

        /** Milliseconds as p50, p95, p99 and max; the deployed-shape benchmark prints them the same way. */
        static String percentiles(List<Long> millis) {
            if (millis.isEmpty()) {
                return "none";
            }
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            return String.format(Locale.ROOT, "p50 %d, p95 %d, p99 %d, max %d (n=%d)", at(sorted, 0.50), at(sorted, 0.95),
                    at(sorted, 0.99), sorted.get(sorted.size() - 1), sorted.size());
        }

        private static long at(List<Long> sorted, double quantile) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(quantile * sorted.size()) - 1));
        }
    }
}
