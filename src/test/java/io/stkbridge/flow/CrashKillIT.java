package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.H2CommitLoop;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.SentCallback;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PackagedJar;
import io.stkbridge.testing.PostgresSchemas;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} (SIGKILL: {@link Process#destroyForcibly()} on Linux) of processes that hold the ledger: nothing the
 * ledger acknowledged is lost, nothing is pushed twice, and UNKNOWN is left only where a push request was really open.
 * The run under load takes {@code -Dstk.crash.intents=N} (240) and {@code -Dstk.crash.kills=K} (3).
 */
class CrashKillIT {

    private static final int INTENTS = Integer.getInteger("stk.crash.intents", 240);
    private static final int KILLS = Integer.getInteger("stk.crash.kills", 3);
    private static final Duration BOUND = Duration.ofSeconds(120);
    private static final Map<String, String> ENV = Map.of("STK_QUERY_FIRST_DELAY_MS", "1000",
            "STK_QUERY_SWEEP_INTERVAL_MS", "500", "STK_QUERY_RETRY_BASE_MS", "500", "STK_QUERY_RETRY_MAX_MS", "1000",
            // the killed consumer's partitions go to the restarted process after 6 s, not 45 s
            "STK_KAFKA_SESSION_TIMEOUT_MS", "6000",
            // a push the kill cut off waits 10 s for its callback, not 5 min, before it is UNKNOWN PUSH_INTERRUPTED:
            // longer than any live push waits for its answer (1 s + 1 s + 5 s)
            "DARAJA_CONNECTION_REQUEST_TIMEOUT_MS", "1000", "DARAJA_CONNECT_TIMEOUT_MS", "1000",
            "DARAJA_READ_TIMEOUT_MS", "5000", "STK_INTERRUPTED_PUSH_WAIT_MS", "10000");

    /**
     * The packaged jar on an H2 file ledger pushes intents at 20/s with the simulator holding each push answer 400 ms,
     * so that pushes are open at Daraja while most attempts wait for their turn. It is killed {@code KILLS} times while
     * pushes are open, and restarted on the same ledger and broker each time; after each kill the test reads the ledger
     * the process left. Per intent: at most one push request, exactly one final event, SUCCEEDED only where the
     * simulator's ResultCode was 0, and UNKNOWN {@code PUSH_INTERRUPTED} only where the push request had started (its
     * send boundary committed) without a recorded answer at a kill: attempts that were waiting for their turn are pushed
     * after the restart. The counts (requests open at the simulator at the kills, UNKNOWN) are printed.
     */
    @Test
    void killedRepeatedlyUnderLoadItPushesNothingTwiceLosesNothingAndLeavesUnknownOnlyWhereARequestHadStarted() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = DarajaSimulator.builder().port(0).consumerCredentials("jar-key", "jar-secret")
                     .merchant("174379", PackagedJar.PASSKEY).callbackDelay(Duration.ofMillis(150)).build()) {
            daraja.start();
            daraja.pushLatency(Duration.ofMillis(400));
            Path ledger = Files.createTempDirectory("stk-crash-db").resolve("ledger");
            Map<String, String> env = ENV;
            killAndRestartUnderLoad(kafka, daraja, ledger, env, KILLS,
                    () -> DriverManager.getConnection("jdbc:h2:file:" + ledger, "sa", ""));
        }
    }

    /** The same on a PostgreSQL ledger (a throw-away schema), one instance, one kill fewer to keep the IT short. */
    @Test
    void onPostgresqlKilledRepeatedlyUnderLoadItPushesNothingTwiceLosesNothingAndLeavesUnknownOnlyWhereARequestHadStarted()
            throws Exception {
        try (PostgresSchemas pg = PostgresSchemas.createOrSkip();
             EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = DarajaSimulator.builder().port(0).consumerCredentials("jar-key", "jar-secret")
                     .merchant("174379", PackagedJar.PASSKEY).callbackDelay(Duration.ofMillis(150)).build()) {
            daraja.start();
            daraja.pushLatency(Duration.ofMillis(400));
            Map<String, String> env = new java.util.HashMap<>(ENV);
            env.put("STK_DB_URL", pg.appUrl());
            env.put("STK_DB_USER", pg.user());
            env.put("STK_DB_PASSWORD", pg.password());
            killAndRestartUnderLoad(kafka, daraja, Files.createTempDirectory("stk-crash-unused"), env,
                    Math.max(1, KILLS - 1), pg::connection);
        }
    }

    /** What the ledger held at one kill: attempts whose push request had started, and those still waiting for their turn. */
    private record AtKill(int openAtSimulator, Set<String> startedUnanswered, Set<String> neverSent) {
    }

    /** A connection to the ledger a killed process left, to read what it held. */
    private interface LedgerConnection {
        Connection open() throws Exception;
    }

    private static void killAndRestartUnderLoad(EmbeddedKafka kafka, DarajaSimulator daraja, Path ledger,
                                                Map<String, String> env, int kills, LedgerConnection ledgerConnection)
            throws Exception {
        List<Path> logs = new ArrayList<>();
        List<AtKill> atKills = new ArrayList<>();
        Process bridge = start(kafka, daraja, ledger, env, logs);
        try (OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "shop.payments.outcomes");
             IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "shop.payments.intents")) {
            Map<String, Integer> amounts = new TreeMap<>();
            for (int i = 1; i <= INTENTS; i++) {
                String orderId = String.format("CK-%05d", i);
                // one in ten is cancelled by the customer (ResultCode 1032): never SUCCEEDED
                int amount = i % 10 == 0 ? 1032 : 10 + i % 50;
                amounts.put(orderId, amount);
                intents.publish(orderId, IntentPublisher.intent("crash-" + orderId, orderId, amount, "0708374149"));
            }
            for (int k = 1; k <= kills; k++) {
                // a kill once this process has sent a share of the pushes and some are open at the simulator
                int requestsBefore = daraja.pushRequestCount() + INTENTS / (2 * (kills + 1));
                Process running = bridge;
                OutcomeCollector.await(BOUND, () -> "push requests open at the simulator after " + requestsBefore
                        + " requests (" + daraja.pushRequestCount() + " so far), or every intent decided", () -> !running.isAlive()
                        || daraja.pushRequestCount() >= requestsBefore && daraja.pushesBeingAnswered() > 0
                        || amounts.keySet().stream().allMatch(o -> outcomes.eventsOf("crash-" + o).stream()
                                .anyMatch(e -> e.path("final").asBoolean())));
                assertTrue(bridge.isAlive(), PackagedJar.read(logs.get(logs.size() - 1)));
                if (daraja.pushesBeingAnswered() == 0) {
                    break;
                }
                int open = daraja.pushesBeingAnswered();
                int started = daraja.pushRequestCount();
                bridge.destroyForcibly();
                assertTrue(bridge.waitFor(30, TimeUnit.SECONDS));
                // requests that left the process between the count and its death were open at the kill too
                OutcomeCollector.await(BOUND, "the killed process's pushes answered", () -> daraja.pushesBeingAnswered() == 0);
                atKills.add(new AtKill(open + daraja.pushRequestCount() - started,
                        orders(ledgerConnection, "status = 'PENDING_PUSH' AND push_started_at IS NOT NULL"),
                        orders(ledgerConnection, "status = 'PENDING_PUSH' AND push_started_at IS NULL")));
                bridge = start(kafka, daraja, ledger, env, logs);
            }
            for (String orderId : amounts.keySet()) {
                outcomes.awaitFinal("crash-" + orderId, BOUND);
            }
            assertOutcomes(env.getOrDefault("STK_DB_URL", "jdbc:h2").startsWith("jdbc:postgresql") ? "PostgreSQL" : "H2",
                    daraja, outcomes, amounts, atKills, logs);
        } finally {
            bridge.destroyForcibly();
            bridge.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The order ids of the attempts in the ledger the killed process left (an H2 file: it holds no lock any more). */
    private static Set<String> orders(LedgerConnection ledger, String where) throws Exception {
        try (Connection db = ledger.open();
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery("SELECT order_id FROM stk_attempt WHERE " + where)) {
            Set<String> orders = new java.util.TreeSet<>();
            while (rows.next()) {
                orders.add(rows.getString(1));
            }
            return orders;
        }
    }

    private static Process start(EmbeddedKafka kafka, DarajaSimulator daraja, Path ledger, Map<String, String> env,
                                 List<Path> logs) throws Exception {
        Path log = Files.createTempFile("stk-crash-" + logs.size() + "-", ".log");
        logs.add(log);
        return PackagedJar.start(kafka, daraja, log, ledger, env);
    }

    private static void assertOutcomes(String database, DarajaSimulator daraja, OutcomeCollector outcomes, Map<String, Integer> amounts,
                                       List<AtKill> kills, List<Path> logs) {
        Map<String, List<ReceivedPush>> pushes = daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference));
        OutcomeCollector.await(BOUND, "a callback sent for every push", () -> daraja.callbacksSent().stream()
                .map(SentCallback::checkoutRequestId).collect(Collectors.toSet()).size() >= daraja.pushCount());
        Map<String, Integer> resultCodes = daraja.callbacksSent().stream()
                .collect(Collectors.toMap(SentCallback::checkoutRequestId, SentCallback::resultCode, (a, b) -> a));
        Set<String> startedUnanswered = kills.stream().flatMap(k -> k.startedUnanswered().stream()).collect(Collectors.toSet());
        Set<String> neverSent = kills.stream().flatMap(k -> k.neverSent().stream()).collect(Collectors.toSet());
        int openAtKills = kills.stream().mapToInt(AtKill::openAtSimulator).sum();
        String summary = String.format("%s ledger, %d intents, %d kills: at the kills %d push requests open at the simulator, %d attempts "
                        + "whose request had started without a recorded answer, %d waiting for their turn (never sent)",
                database, amounts.size(), kills.size(), openAtKills, startedUnanswered.size(), neverSent.size());
        int interrupted = 0;
        int interruptedUnsent = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Integer> intent : amounts.entrySet()) {
            String orderId = intent.getKey();
            List<ReceivedPush> pushed = pushes.getOrDefault(orderId, List.of());
            List<JsonNode> events = outcomes.eventsOf("crash-" + orderId);
            Set<String> finals = events.stream().filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean())
                    .map(e -> e.path("eventId").asText()).collect(Collectors.toSet());
            JsonNode outcome = events.stream().filter(e -> e.path("final").asBoolean()).reduce((a, b) -> b).orElseThrow();
            String status = outcome.path("status").asText();
            boolean unknownInterrupted = events.stream().anyMatch(e -> e.path("final").asBoolean()
                    && !e.path("correction").asBoolean() && "PUSH_INTERRUPTED".equals(e.path("reason").asText()));
            if (unknownInterrupted) {
                interrupted++;
                if (!startedUnanswered.contains(orderId)) {
                    problems.add(orderId + " UNKNOWN PUSH_INTERRUPTED but its push request had not started at any kill"
                            + (neverSent.contains(orderId) ? " (it was waiting for its turn)" : ""));
                }
            }
            if (pushed.size() > 1) {
                problems.add(orderId + " pushed " + pushed.size() + " times");
            }
            if (pushed.isEmpty() && unknownInterrupted) {
                // its request started (the boundary was committed) but was cut off before it reached Daraja: unknowable
                interruptedUnsent++;
            } else if (pushed.isEmpty()) {
                problems.add(orderId + " never reached the simulator, ended " + status + " " + outcome.path("reason").asText());
            }
            if (finals.size() != 1) {
                problems.add(orderId + " has " + finals.size() + " final events: " + events);
            }
            if ("SUCCEEDED".equals(status) && (pushed.isEmpty()
                    || !Integer.valueOf(0).equals(resultCodes.get(pushed.get(0).checkoutRequestId())))) {
                problems.add(orderId + " SUCCEEDED without ResultCode 0 at the simulator (amount " + intent.getValue() + ")");
            }
        }
        summary += String.format("; %d UNKNOWN PUSH_INTERRUPTED (%d of them cut off before their request reached the "
                + "simulator)", interrupted, interruptedUnsent);
        System.out.println("CrashKillIT: " + summary);
        assertEquals(List.of(), problems, summary + "\n" + logsOf(logs));
        assertEquals(daraja.pushCount(), daraja.pushRequestCount(), "every push request was a push the simulator accepted");
        assertTrue(interrupted <= startedUnanswered.size(), summary);
        assertTrue(!kills.isEmpty() && kills.stream().allMatch(k -> k.openAtSimulator() > 0), "kills with pushes open: " + summary);
    }

    private static String logsOf(List<Path> logs) {
        StringBuilder tails = new StringBuilder();
        for (Path log : logs) {
            List<String> lines = PackagedJar.read(log).lines().toList();
            tails.append("--- ").append(log).append(" (last 40 lines)\n");
            lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> tails.append(l).append('\n'));
        }
        return tails.toString();
    }

    /**
     * The embedded ledger's settings write every commit before it returns: a process inserting one row per commit is
     * killed, and every row whose commit had returned (it printed so) is in the file afterwards.
     */
    @Test
    void everyCommitTheEmbeddedLedgerAcknowledgedSurvivesAKill() throws Exception {
        Path database = Files.createTempDirectory("stk-h2-kill").resolve("ledger");
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
             Statement ddl = db.createStatement()) {
            ddl.execute("CREATE TABLE acked (n BIGINT PRIMARY KEY)");
        }
        Process loop = new ProcessBuilder(PackagedJar.javaBin(), "-cp",
                PackagedJar.JAR + File.pathSeparator + Path.of("target", "test-classes"), H2CommitLoop.class.getName(),
                "jdbc:h2:file:" + database).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        AtomicLong acknowledged = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("acked ")) {
                        acknowledged.set(Long.parseLong(line.substring(6)));
                    }
                }
            } catch (Exception ignored) {
                // the process was killed
            }
        });
        reader.start();
        try {
            OutcomeCollector.await(Duration.ofSeconds(60), () -> "2,000 commits acknowledged (" + acknowledged + ")",
                    () -> acknowledged.get() >= 2000 || !loop.isAlive());
            assertTrue(loop.isAlive(), "the commit loop died on its own");
        } finally {
            loop.destroyForcibly();
        }
        assertTrue(loop.waitFor(30, TimeUnit.SECONDS));
        reader.join(10_000);
        long acked = acknowledged.get();
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*), COALESCE(MAX(n), 0) FROM acked")) {
            rows.next();
            long kept = rows.getLong(1);
            assertTrue(kept >= acked, kept + " rows on disk after the kill, but " + acked + " commits were acknowledged");
            assertEquals(kept, rows.getLong(2), "rows 1.." + rows.getLong(2) + " without a gap");
        }
    }
}
