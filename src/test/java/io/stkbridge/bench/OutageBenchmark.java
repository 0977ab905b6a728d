package io.stkbridge.bench;

import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.ReceivedQuery;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PackagedJar;
import io.stkbridge.testing.PostgresSchemas;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The callback-outage benchmark (issue 15; a command, not a test): every callback is lost, so STK Query alone resolves
 * the attempts, at the configured per-shortcode query rate. The packaged {@code target/stk-bridge.jar} (build it first:
 * {@code mvn -q -o -DskipTests package}) runs as its own process (one, on the default H2 file ledger; or two, on one
 * PostgreSQL ledger, sharing the rate), configured by environment variables only, against the in-process broker and a
 * Daraja simulator in this JVM that drops every callback and answers every query with the push's result.
 *
 * <pre>
 * mvn -q -o test-compile exec:java@bench-outage -Dbench.instances=1
 * mvn -q -o test-compile exec:java@bench-outage -Dbench.instances=2
 * </pre>
 *
 * It publishes N intents at once, waits for every final outcome event and prints: the time from the first query (and
 * from the last push accepted) until every attempt is resolved, against N ÷ the configured query rate; the outcomes by
 * status, reason and source; and the queries the simulator received per second per shortcode (the most in one calendar
 * second, and how many seconds exceeded the rate).
 *
 * Options (system properties): {@code bench.intents} (5000), {@code bench.instances} (1; 2 or more run as many jar
 * processes on PostgreSQL), {@code bench.db} ({@code h2-file} for one instance, the bridge's default ledger;
 * {@code postgres}, a throw-away schema, see {@link PostgresSchemas}; more than one instance implies it),
 * {@code bench.query-tps} (50: STK_QUERY_TPS_PER_SHORTCODE, so 5,000 take 100 s), {@code bench.sweep-interval-ms}
 * (5000, STK_QUERY_SWEEP_INTERVAL_MS's default), {@code bench.first-delay-ms} (30000, STK_QUERY_FIRST_DELAY_MS's
 * default), {@code bench.outcome-delay-ms} (100: push to the simulator's outcome, so the first query finds it final),
 * {@code bench.env} (more environment variables for the jars, {@code NAME=value,NAME=value}). Pushes are not
 * limited ({@code DARAJA_PUSH_TPS_PER_SHORTCODE=100000}): the outage is in the callbacks. Every 25th intent's amount is
 * 1032 (cancelled by the customer), the others succeed. The jars' output goes to
 * {@code target/bench/outage-<n>.log}.
 */
public final class OutageBenchmark {

    private OutageBenchmark() {
    }

    public static void main(String[] args) {
        DeployedBenchmark.runAndExit(OutageBenchmark::run);
    }

    private static boolean run() throws Exception {
        int intents = Integer.getInteger("bench.intents", 5000);
        int instances = Integer.getInteger("bench.instances", 1);
        boolean postgres = instances > 1 || "postgres".equalsIgnoreCase(System.getProperty("bench.db", "h2-file"));
        int queryTps = Integer.getInteger("bench.query-tps", 50);
        long sweepIntervalMs = Long.getLong("bench.sweep-interval-ms", 5000);
        long firstDelayMs = Long.getLong("bench.first-delay-ms", 30000);
        long outcomeDelayMs = Long.getLong("bench.outcome-delay-ms", 100);
        Map<String, String> env = new HashMap<>();
        env.put("DARAJA_PUSH_TPS_PER_SHORTCODE", "100000");
        env.put("STK_QUERY_TPS_PER_SHORTCODE", String.valueOf(queryTps));
        env.put("STK_QUERY_SWEEP_INTERVAL_MS", String.valueOf(sweepIntervalMs));
        env.put("STK_QUERY_FIRST_DELAY_MS", String.valueOf(firstDelayMs));
        DeployedBenchmark.putBenchEnv(env);
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf(Locale.ROOT, "stk-bridge callback-outage benchmark: %d intents, every callback lost; %d jar process(es), "
                + "ledger %s%n", intents, instances, postgres ? "PostgreSQL" : "H2 file (default settings)");
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s, load average before %.2f (1 min; the machine is shared)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadBefore);
        System.out.printf(Locale.ROOT, "jar environment beyond the broker/simulator/callback settings: %s%n", new TreeMap<>(env));
        Path dir = Files.createDirectories(Path.of("target", "bench"));
        PostgresSchemas pg = postgres ? PostgresSchemas.createOrSkip() : null;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = PackagedJar.simulator(Duration.ofMillis(outcomeDelayMs))) {
            daraja.start();
            daraja.dropCallbacks(true);
            if (pg != null) {
                env.put("STK_DB_URL", pg.appUrl());
                env.put("STK_DB_USER", pg.user());
                env.put("STK_DB_PASSWORD", pg.password());
            }
            List<Process> bridges = new ArrayList<>();
            try {
                for (int i = 1; i <= instances; i++) {
                    Map<String, String> own = new HashMap<>(env);
                    own.put("STK_INSTANCE_ID", "outage-" + i);
                    Path ledger = Files.createTempDirectory(dir, "outage-ledger-").toAbsolutePath().resolve("ledger");
                    Process bridge = PackagedJar.start(kafka, daraja, dir.resolve("outage-" + i + ".log"), ledger, own);
                    System.out.printf(Locale.ROOT, "jar %d started (pid %d)%n", i, bridge.pid());
                    bridges.add(bridge);
                }
                try (DeployedBenchmark.Outcomes outcomes = new DeployedBenchmark.Outcomes(kafka.bootstrapServers());
                     KafkaProducer<String, String> producer = DeployedBenchmark.producer(kafka.bootstrapServers())) {
                    return measure(intents, queryTps, producer, outcomes, daraja, bridges, loadBefore);
                }
            } finally {
                for (Process bridge : bridges) {
                    bridge.destroy();
                }
                for (Process bridge : bridges) {
                    if (!bridge.waitFor(60, TimeUnit.SECONDS)) {
                        bridge.destroyForcibly();
                    }
                }
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    private static boolean measure(int intents, int queryTps, KafkaProducer<String, String> producer,
                                   DeployedBenchmark.Outcomes outcomes, DarajaSimulator daraja, List<Process> bridges,
                                   double loadBefore) throws Exception {
        Set<String> orders = new HashSet<>();
        long publishedFrom = System.currentTimeMillis();
        for (int i = 1; i <= intents; i++) {
            String orderId = String.format(Locale.ROOT, "O%07d", i);     // ≤ 12: the AccountReference
            orders.add(orderId);
            producer.send(new ProducerRecord<>(DeployedBenchmark.INTENTS_TOPIC, orderId, IntentPublisher.intent(
                    "outage-" + orderId, orderId, i % 25 == 0 ? 1032 : 100 + i % 900, "0708374149")));
        }
        producer.flush();
        System.out.printf(Locale.ROOT, "published %d intents in %.1f s; waiting for every final outcome …%n",
                intents, (System.currentTimeMillis() - publishedFrom) / 1000.0);
        long[] lastProgress = {System.nanoTime()};
        OutcomeCollector.await(Duration.ofMinutes(60), () -> "final outcomes: " + outcomes.finalCount(orders) + " of " + intents,
                () -> {
                    long done = outcomes.finalCount(orders);
                    if (System.nanoTime() - lastProgress[0] > TimeUnit.SECONDS.toNanos(10)) {
                        lastProgress[0] = System.nanoTime();
                        System.out.printf(Locale.ROOT, "  … %d of %d final; %d pushes, %d queries at the simulator%n",
                                done, intents, daraja.pushCount(), daraja.queryCount());
                    }
                    return done >= intents || bridges.stream().anyMatch(b -> !b.isAlive());
                });
        for (int i = 0; i < bridges.size(); i++) {
            if (!bridges.get(i).isAlive()) {
                throw new IllegalStateException("jar " + (i + 1) + " exited " + bridges.get(i).exitValue()
                        + "; see target/bench/outage-" + (i + 1) + ".log");
            }
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

        Map<String, String> checkoutToOrder = new HashMap<>();
        Map<String, Integer> pushesPerOrder = new HashMap<>();
        Instant lastPush = Instant.MIN;
        for (ReceivedPush push : daraja.pushes()) {
            if (orders.contains(push.accountReference())) {
                checkoutToOrder.put(push.checkoutRequestId(), push.accountReference());
                pushesPerOrder.merge(push.accountReference(), 1, Integer::sum);
                lastPush = push.receivedAt().isAfter(lastPush) ? push.receivedAt() : lastPush;
            }
        }
        Instant firstQuery = Instant.MAX;
        Instant lastQuery = Instant.MIN;
        Map<String, Map<Long, Integer>> perSecond = new TreeMap<>();    // shortcode → epoch second → queries
        Map<String, Integer> answers = new TreeMap<>();
        Set<String> queried = new HashSet<>();
        int queries = 0;
        for (ReceivedQuery query : daraja.queries()) {
            if (!checkoutToOrder.containsKey(query.checkoutRequestId())) {
                continue;
            }
            queries++;
            queried.add(query.checkoutRequestId());
            firstQuery = query.receivedAt().isBefore(firstQuery) ? query.receivedAt() : firstQuery;
            lastQuery = query.receivedAt().isAfter(lastQuery) ? query.receivedAt() : lastQuery;
            perSecond.computeIfAbsent(query.shortcode(), s -> new TreeMap<>())
                    .merge(query.receivedAt().getEpochSecond(), 1, Integer::sum);
            answers.merge(query.resultCode() != null ? "ResultCode " + query.resultCode() : "HTTP " + query.httpStatus(),
                    1, Integer::sum);
        }
        Map<String, Integer> byOutcome = new TreeMap<>();
        long lastFinal = 0;
        for (String orderId : orders) {
            DeployedBenchmark.Outcome outcome = outcomes.of(orderId);
            byOutcome.merge(outcome.finalStatus + (outcome.finalReason == null ? "" : " " + outcome.finalReason)
                    + " by " + outcome.finalSource, 1, Integer::sum);
            lastFinal = Math.max(lastFinal, outcome.finalAt);
        }
        long unknown = byOutcome.entrySet().stream().filter(e -> e.getKey().startsWith("UNKNOWN"))
                .mapToLong(Map.Entry::getValue).sum();
        long byQuery = byOutcome.entrySet().stream().filter(e -> e.getKey().endsWith(" by QUERY"))
                .mapToLong(Map.Entry::getValue).sum();
        long pushedTwice = pushesPerOrder.values().stream().filter(n -> n > 1).count();
        double expected = (double) intents / queryTps;
        double fromFirstQuery = (lastFinal - firstQuery.toEpochMilli()) / 1000.0;
        double fromLastPush = (lastFinal - lastPush.toEpochMilli()) / 1000.0;

        System.out.printf(Locale.ROOT, "%nintents              %d: %d pushed (last push accepted %.1f s after the first produce), "
                        + "%d pushed twice, %d never pushed%n", intents, pushesPerOrder.size(),
                (lastPush.toEpochMilli() - publishedFrom) / 1000.0, pushedTwice, intents - pushesPerOrder.size());
        System.out.printf(Locale.ROOT, "outcomes             %s; %d by QUERY, %d UNKNOWN%n", byOutcome, byQuery, unknown);
        System.out.printf(Locale.ROOT, "queries              %d to %d attempts (%.2f per attempt); answers %s%n",
                queries, queried.size(), (double) queries / Math.max(1, queried.size()), answers);
        System.out.printf(Locale.ROOT, "resolved             %.1f s from the first query to the last final outcome; "
                + "%.1f s from the last push accepted%n", fromFirstQuery, fromLastPush);
        System.out.printf(Locale.ROOT, "expected             N ÷ rate = %d ÷ %d/s = %.1f s; ratio %.3f (from the first query)%n",
                intents, queryTps, expected, fromFirstQuery / expected);
        for (Map.Entry<String, Map<Long, Integer>> shortcode : perSecond.entrySet()) {
            Map<Long, Integer> counts = shortcode.getValue();
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            long over = counts.values().stream().filter(n -> n > queryTps).count();
            long first = counts.keySet().stream().min(Long::compare).orElse(0L);
            long last = counts.keySet().stream().max(Long::compare).orElse(0L);
            // seconds strictly inside the drain, without the partial first and last ones
            long inner = Math.max(0, last - first - 1);
            long innerQueries = counts.entrySet().stream().filter(e -> e.getKey() > first && e.getKey() < last)
                    .mapToLong(Map.Entry::getValue).sum();
            System.out.printf(Locale.ROOT, "per second at the simulator, shortcode %s: max %d, %d of %d seconds above %d/s; "
                            + "%.1f/s on average over the %d whole seconds of the drain%n", shortcode.getKey(), max, over,
                    counts.size(), queryTps, inner == 0 ? 0.0 : (double) innerQueries / inner, inner);
            if (Boolean.getBoolean("bench.print-seconds")) {
                StringBuilder seconds = new StringBuilder("  ");
                for (long s = first; s <= last; s++) {
                    seconds.append(counts.getOrDefault(s, 0)).append(s < last ? " " : "");
                }
                System.out.println(seconds);
            }
        }
        System.out.printf(Locale.ROOT, "load average         %.2f before, %.2f after (1 min; the machine is shared)%n",
                loadBefore, loadAfter);
        return unknown == 0 && pushedTwice == 0 && byQuery == intents;
    }
}
