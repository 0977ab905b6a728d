package io.stkbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.ContainerImage;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PackagedJar;
import io.stkbridge.testing.PostgresSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The throughput benchmark in the deployed shape (a command, not a test): the packaged {@code target/stk-bridge.jar}
 * (build it first: {@code mvn -q -o -DskipTests package}) runs as its own process, configured by documented
 * environment variables only ({@link PackagedJar}), against the in-process broker and Daraja simulator in this JVM. It
 * publishes a burst of N intents right after the start (cold), waits for every final outcome, then publishes another
 * burst of N (warm, the JIT having compiled the hot paths on the first), and prints for each: intents/s end to end,
 * the bridge process's CPU per intent (its own utime + stime), p50/p99 from produce to the ACCEPTED event and to the
 * final event (the outcome records' timestamps, set by the bridge's producer), its peak RSS (VmHWM) and its heap after
 * a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}, between the bursts).
 *
 * <pre>
 * mvn -q -o test-compile exec:java@bench-jar -Dbench.intents=5000 -Dbench.push-latency-ms=0
 * </pre>
 *
 * Options (system properties): {@code bench.intents} (5000 per burst), {@code bench.bursts} (2: the first cold, the
 * others warm), {@code bench.push-latency-ms} (0), {@code bench.callback-delay-ms} (push latency + 100),
 * {@code bench.max-in-flight} (the bridge's default unless set), {@code bench.db} ({@code h2-file}, the default ledger;
 * or {@code postgres}, a throw-away schema, see {@link PostgresSchemas}), {@code bench.container-jvm} ({@code true}: the
 * JVM options and C library setting of the image, {@link ContainerImage#runtimeEnvironment}; {@code false}: the JVM's
 * defaults), {@code bench.jvm-options} (given to the jar as {@code JAVA_TOOL_OPTIONS}, which the image's
 * {@code JAVA_OPTS} override, e.g. {@code -XX:StartFlightRecording=filename=target/bench/jar.jfr}), {@code bench.env}
 * (more environment variables for the jar, {@code NAME=value,NAME=value}), {@code bench.h2-url-settings} (appended to the H2
 * ledger's URL, e.g. {@code ;PAGE_SIZE=2048}), {@code bench.harness-warmup} ({@code true}: a burst through another jar,
 * then stopped, before the measured jar starts, so that the broker and the simulator in this JVM are not cold;
 * {@link #warmHarness}), {@code bench.jcmd} (a jcmd command whose output is printed after each burst,
 * e.g. {@code VM.native_memory summary}). The push rate limit is raised out of the way
 * ({@code DARAJA_PUSH_TPS_PER_SHORTCODE=100000}). The jar's own output goes to {@code target/bench/stk-bridge-jar.log}.
 */
public final class DeployedBenchmark {

    /** G1's line of {@code GC.heap_info}; the serial and parallel collectors print one per generation. */
    private static final Pattern HEAP_USED = Pattern.compile("(?:garbage-first heap|generation) +total (\\d+)K, used (\\d+)K");
    static final String INTENTS_TOPIC = "shop.payments.intents";
    static final String OUTCOMES_TOPIC = "shop.payments.outcomes";

    private DeployedBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        runAndExit(DeployedBenchmark::run);
    }

    /** Runs a benchmark with the benchmarks' logging; exits 0 when it held, 1 when not, 2 when it failed. */
    static void runAndExit(java.util.concurrent.Callable<Boolean> benchmark) {
        System.setProperty("log4j2.configurationFile", "bench-log4j2.properties");
        int status;
        try {
            status = benchmark.call() ? 0 : 1;
        } catch (Throwable failure) {
            failure.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    private static boolean run() throws Exception {
        int intents = Integer.getInteger("bench.intents", 5000);
        int bursts = Integer.getInteger("bench.bursts", 2);
        long pushLatencyMs = Long.getLong("bench.push-latency-ms", 0);
        long callbackDelayMs = Long.getLong("bench.callback-delay-ms", pushLatencyMs + 100);
        boolean postgres = "postgres".equalsIgnoreCase(System.getProperty("bench.db", "h2-file"));
        Map<String, String> env = new HashMap<>();
        env.put("DARAJA_PUSH_TPS_PER_SHORTCODE", "100000");
        if (System.getProperty("bench.max-in-flight") != null) {
            env.put("STK_MAX_IN_FLIGHT", System.getProperty("bench.max-in-flight"));
        }
        // PackagedJar runs the JVM as the container does (its JAVA_OPTS and MALLOC_ARENA_MAX) unless unset here
        if (!Boolean.parseBoolean(System.getProperty("bench.container-jvm", "true"))) {
            ContainerImage.runtimeEnvironment().keySet().forEach(name -> env.put(name, ""));
        }
        if (System.getProperty("bench.jvm-options") != null) {
            env.put("JAVA_TOOL_OPTIONS", System.getProperty("bench.jvm-options"));
        }
        putBenchEnv(env);
        Path dir = Files.createDirectories(Path.of("target", "bench"));
        Path log = dir.resolve("stk-bridge-jar.log");
        System.out.printf(Locale.ROOT, "stk-bridge benchmark, packaged jar in its own process: %d bursts of %d intents, "
                        + "push latency %d ms, callback delay %d ms, ledger %s%n", bursts, intents, pushLatencyMs, callbackDelayMs,
                postgres ? "PostgreSQL" : "H2 file (default settings)");
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; jar environment beyond the broker/simulator/callback settings: %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), env);
        PostgresSchemas pg = postgres ? PostgresSchemas.createOrSkip() : null;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = PackagedJar.simulator(Duration.ofMillis(callbackDelayMs))) {
            daraja.start();
            daraja.pushLatency(Duration.ofMillis(pushLatencyMs));
            if (pg != null) {
                env.put("STK_DB_URL", pg.appUrl());
                env.put("STK_DB_USER", pg.user());
                env.put("STK_DB_PASSWORD", pg.password());
            }
            Path ledger = Files.createTempDirectory(dir, "jar-ledger-").toAbsolutePath().resolve("ledger");
            if (pg == null && System.getProperty("bench.h2-url-settings") != null) {
                env.put("STK_DB_URL", "jdbc:h2:file:" + ledger + System.getProperty("bench.h2-url-settings"));
            }
            if (Boolean.parseBoolean(System.getProperty("bench.harness-warmup", "true"))) {
                warmHarness(kafka, daraja, dir, env, intents);
            }
            long startedAt = System.nanoTime();
            Process bridge = PackagedJar.start(kafka, daraja, log, ledger, env);
            System.out.printf(Locale.ROOT, "jar started in %.1f s (pid %d), CPU %d ms, RSS %d MiB%n",
                    (System.nanoTime() - startedAt) / 1e9, bridge.pid(), cpuMillis(bridge), status(bridge, "VmRSS") >> 10);
            boolean ok = true;
            try (Outcomes outcomes = new Outcomes(kafka.bootstrapServers());
                 KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
                for (int burst = 1; burst <= bursts; burst++) {
                    ok &= burst(burst == 1 ? "cold" : "warm", burst, intents, bridge, producer, outcomes, daraja);
                }
            } finally {
                bridge.destroy();
                if (!bridge.waitFor(60, TimeUnit.SECONDS)) {
                    bridge.destroyForcibly();
                }
            }
            return ok;
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    /**
     * Runs a burst through a jar that is then stopped, so that the measured jar's cold start meets a broker and a simulator
     * that have run before, as they have in production: cold, this JVM's own JIT took about a quarter of the machine
     * during the first burst, beside the bridge's. This jar has an H2 file ledger of its own; the measured jar starts after
     * its records (same consumer group, offsets committed at its graceful stop).
     */
    private static void warmHarness(EmbeddedKafka kafka, DarajaSimulator daraja, Path dir, Map<String, String> env,
                                    int intents) throws Exception {
        Path ledger = Files.createTempDirectory(dir, "jar-ledger-").toAbsolutePath().resolve("ledger");
        Map<String, String> warmupEnv = new HashMap<>(env);
        // an H2 file of its own, whichever ledger the measured jar has
        List.of("STK_DB_URL", "STK_DB_USER", "STK_DB_PASSWORD").forEach(warmupEnv::remove);
        Process warmup = PackagedJar.start(kafka, daraja, dir.resolve("stk-bridge-jar-warmup.log"), ledger, warmupEnv);
        try (Outcomes outcomes = new Outcomes(kafka.bootstrapServers());
             KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
            burst("harness warm-up (a jar then stopped; not a figure of the measured jar)", 0, intents, warmup, producer,
                    outcomes, daraja);
        } finally {
            warmup.destroy();
            if (!warmup.waitFor(60, TimeUnit.SECONDS)) {
                warmup.destroyForcibly();
            }
        }
    }

    private static boolean burst(String name, int number, int intents, Process bridge, KafkaProducer<String, String> producer,
                                 Outcomes outcomes, DarajaSimulator daraja) throws Exception {
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Long> producedAt = new HashMap<>();
        long cpuBefore = cpuMillis(bridge);
        long ownCpuBefore = Benchmark.Run.processCpuNanos();
        long writtenBefore = bytesWritten(bridge);
        long first = System.currentTimeMillis();
        for (int i = 1; i <= intents; i++) {
            String orderId = String.format(Locale.ROOT, "B%d-%06d", number, i);
            producedAt.put(orderId, System.currentTimeMillis());
            producer.send(new ProducerRecord<>(INTENTS_TOPIC, orderId,
                    IntentPublisher.intent("bench-" + orderId, orderId, 100 + i % 900, "0708374149")));
        }
        producer.flush();
        double publishSeconds = (System.currentTimeMillis() - first) / 1000.0;
        OutcomeCollector.await(Duration.ofMinutes(30), () -> "final outcomes of burst " + number + ": "
                + outcomes.finalCount(producedAt.keySet()) + " of " + intents, () -> outcomes.finalCount(producedAt.keySet()) >= intents);
        long cpu = cpuMillis(bridge) - cpuBefore;
        long ownCpu = (Benchmark.Run.processCpuNanos() - ownCpuBefore) / 1_000_000;
        long written = bytesWritten(bridge) - writtenBefore;
        long lastFinal = 0;
        List<Long> toAccepted = new ArrayList<>();
        List<Long> toFinal = new ArrayList<>();
        Map<String, Long> statuses = new HashMap<>();
        for (Map.Entry<String, Long> intent : producedAt.entrySet()) {
            Outcome outcome = outcomes.of(intent.getKey());
            if (outcome.acceptedAt > 0) {
                toAccepted.add(outcome.acceptedAt - intent.getValue());
            }
            toFinal.add(outcome.finalAt - intent.getValue());
            lastFinal = Math.max(lastFinal, outcome.finalAt);
            statuses.merge(outcome.finalStatus, 1L, Long::sum);
        }
        Map<String, Integer> pushes = new HashMap<>();
        for (ReceivedPush push : daraja.pushes()) {
            if (producedAt.containsKey(push.accountReference())) {
                pushes.merge(push.accountReference(), 1, Integer::sum);
            }
        }
        long pushedTwice = pushes.values().stream().filter(n -> n > 1).count();
        // a callback the bridge did not answer is lost (Daraja does not send it again): its attempt waits for the sweeper
        Map<String, Long> undelivered = new TreeMap<>();
        daraja.callbacksSent().stream().filter(c -> !c.delivered()).forEach(c -> undelivered.merge(
                c.httpStatus() != null ? "HTTP " + c.httpStatus() : String.valueOf(c.failure()).split(":")[0], 1L, Long::sum));
        double seconds = (lastFinal - first) / 1000.0;
        long peakRss = status(bridge, "VmHWM");
        long heapAfterGc = heapAfterFullGc(bridge);
        System.out.printf(Locale.ROOT, "%n%s burst %d: %d intents (published in %.1f s), outcomes %s, %d pushed twice, %d never pushed%n",
                name, number, intents, publishSeconds, statuses, pushedTwice, intents - pushes.size());
        System.out.printf(Locale.ROOT, "  callbacks         %s not delivered (all bursts so far)%n", undelivered.isEmpty() ? "none" : undelivered);
        System.out.printf(Locale.ROOT, "  throughput        %.1f intents/s end to end (first produce → last final event, %.1f s)%n",
                intents / seconds, seconds);
        System.out.printf(Locale.ROOT, "  bridge CPU        %.2f ms per intent (%d ms over the burst, %.0f%% of %d cores)%n",
                (double) cpu / intents, cpu, 100.0 * cpu / (seconds * 1000) / Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  benchmark CPU     %.2f ms per intent (%.0f%% of %d cores: the broker, the simulator, the "
                + "producer and the outcome collector in this JVM)%n", (double) ownCpu / intents,
                100.0 * ownCpu / (seconds * 1000) / Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  bridge writes     %.1f KiB per intent to files (%d MiB over the burst: the H2 ledger's "
                + "stores, the log)%n", written / 1024.0 / intents, written >> 20);
        System.out.printf(Locale.ROOT, "  produce→ACCEPTED  (ms) %s%n", Benchmark.Run.percentiles(toAccepted));
        System.out.printf(Locale.ROOT, "  produce→final     (ms) %s%n", Benchmark.Run.percentiles(toFinal));
        System.out.printf(Locale.ROOT, "  bridge memory     peak RSS %d MiB (VmHWM, since the start); heap after a full GC %s%n",
                peakRss >> 10, heapAfterGc < 0 ? "n/a" : (heapAfterGc >> 10) + " MiB");
        System.out.printf(Locale.ROOT, "  load average      %.2f before, %.2f after (1 min; the machine is shared)%n",
                loadBefore, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (System.getProperty("bench.jcmd") != null) {
            // e.g. "VM.native_memory summary" with -XX:NativeMemoryTracking=summary in bench.jvm-options
            System.out.println(jcmd(bridge, System.getProperty("bench.jcmd")));
        }
        return pushedTwice == 0 && pushes.size() == intents;
    }

    /** Adds {@code bench.env}'s settings ({@code NAME=value,NAME=value}) to a jar's environment. */
    static void putBenchEnv(Map<String, String> env) {
        for (String setting : System.getProperty("bench.env", "").split(",")) {
            if (setting.contains("=")) {
                env.put(setting.substring(0, setting.indexOf('=')).trim(), setting.substring(setting.indexOf('=') + 1).trim());
            }
        }
    }

    /** The process's own CPU time (user + system), from /proc: it does not count the broker or the simulator. */
    static long cpuMillis(Process process) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
        // fields after the command name, which is in parentheses and may hold spaces
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000 / 100;  // USER_HZ is 100 on Linux
    }

    /** The bytes the process has written towards storage (write_bytes of /proc/&lt;pid&gt;/io: files, not sockets). */
    private static long bytesWritten(Process process) throws IOException {
        long written = procField(process, "io", "write_bytes");
        if (written < 0) {
            throw new IOException("no write_bytes in /proc/" + process.pid() + "/io");
        }
        return written;
    }

    /** A line of /proc/&lt;pid&gt;/status in KiB, e.g. VmHWM (peak resident set). */
    private static long status(Process process, String field) throws IOException {
        return procField(process, "status", field);
    }

    /** The number on the {@code field:} line of /proc/&lt;pid&gt;/{@code file}; -1 when there is none. */
    private static long procField(Process process, String file, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), file))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap in use right after a full collection, in KiB (jcmd; -1 when it cannot be read). */
    private static long heapAfterFullGc(Process process) {
        try {
            jcmd(process, "GC.run");
            Matcher used = HEAP_USED.matcher(jcmd(process, "GC.heap_info"));
            long kib = -1;
            while (used.find()) {
                kib = Math.max(kib, 0) + Long.parseLong(used.group(2));
            }
            return kib;
        } catch (Exception e) {
            return -1;
        }
    }

    private static String jcmd(Process process, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process run = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), command).redirectErrorStream(true).start();
        String output = new String(run.getInputStream().readAllBytes());
        run.waitFor(60, TimeUnit.SECONDS);
        return output;
    }

    static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "5"));
    }

    /** An intent's first ACCEPTED and first final event, by the times the bridge's producer stamped on them. */
    static final class Outcome {
        long acceptedAt;
        long finalAt;
        String finalStatus;
        /** The final event's reason (null when none) and source (CALLBACK, QUERY, ...). */
        String finalReason;
        String finalSource;
    }

    /** Indexes, per orderId, when the outcomes topic's events (read by an {@link OutcomeCollector}) accepted and decided it. */
    static final class Outcomes implements AutoCloseable {
        private final OutcomeCollector collector;
        private final Map<String, Outcome> byOrder = new HashMap<>();
        private int seen;

        Outcomes(String bootstrapServers) {
            collector = new OutcomeCollector(bootstrapServers, OUTCOMES_TOPIC);
        }

        /** Notes the records that arrived since the last call. */
        private synchronized void catchUp() {
            List<ConsumerRecord<String, String>> records = collector.records();
            List<JsonNode> values = collector.values();
            for (int i = seen; i < Math.min(records.size(), values.size()); i++, seen++) {
                JsonNode event = values.get(i);
                Outcome outcome = byOrder.computeIfAbsent(event.path("orderId").asText(), o -> new Outcome());
                if ("ACCEPTED".equals(event.path("status").asText()) && outcome.acceptedAt == 0) {
                    outcome.acceptedAt = records.get(i).timestamp();
                }
                if (event.path("final").asBoolean() && outcome.finalAt == 0) {
                    outcome.finalStatus = event.path("status").asText();
                    outcome.finalReason = event.path("reason").isNull() ? null : event.path("reason").asText(null);
                    outcome.finalSource = event.path("source").asText(null);
                    outcome.finalAt = records.get(i).timestamp();
                }
            }
        }

        synchronized long finalCount(Set<String> orders) {
            catchUp();
            return orders.stream().map(byOrder::get).filter(o -> o != null && o.finalAt > 0).count();
        }

        synchronized Outcome of(String orderId) {
            catchUp();
            return byOrder.get(orderId);
        }

        @Override
        public void close() throws InterruptedException {
            collector.close();
        }
    }
}
