package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.GracefulShutdown;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.ConfigurationVariables;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PackagedJar;
import io.stkbridge.testing.StkBridgeInstance;
import org.junit.jupiter.api.Test;

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
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.stkbridge.testing.PackagedJar.javaBin;
import static io.stkbridge.testing.PackagedJar.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code target/stk-bridge.jar}, started with {@code java -jar} and configured only by environment variables,
 * against a broker and a Daraja-compatible server it knows nothing about but their addresses.
 */
class PackagedJarIT {

    private static final Path JAR = PackagedJar.JAR;
    private static final String PASSKEY = PackagedJar.PASSKEY;

    @Test
    void processesIntentsConfiguredByEnvironmentOnlyAndLogsJson() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = PackagedJar.simulator(Duration.ofMillis(200))) {
            daraja.start();
            Path log = Files.createTempFile("stk-bridge-jar", ".log");
            Process process = PackagedJar.start(kafka, daraja, log, Files.createTempDirectory("stk-jar-db").resolve("ledger"),
                    Map.of("STK_LOG_FORMAT", "json"));
            try {
                try (IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "shop.payments.intents");
                     OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "shop.payments.outcomes")) {
                    intents.publish("JAR-1", IntentPublisher.intent("jar-intent-1", "JAR-1", 10, "0708374149"));
                    JsonNode outcome = outcomes.awaitFinal("jar-intent-1", Duration.ofSeconds(60));
                    assertEquals("SUCCEEDED", outcome.path("status").asText());
                    String checkoutRequestId = outcome.path("checkoutRequestId").asText();
                    OutcomeCollector.await(Duration.ofSeconds(60), "the callback's log line",
                            () -> read(log).contains("\"checkoutRequestId\":\"" + checkoutRequestId + "\""));
                    assertJsonLogsCarryThePayment(read(log), checkoutRequestId);
                }
            } finally {
                process.destroy();
                assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stk-bridge stops on SIGTERM");
            }
            String output = read(log);
            assertShutdownLinesCarryNoPayment(output);
            assertFalse(output.contains(PASSKEY), "the passkey was logged");
            assertFalse(output.contains("jar-secret"), "the consumer secret was logged");
            assertFalse(output.contains("jar-callback-secret"), "the callback secret was logged");
            assertFalse(output.contains("254708374149") || output.contains("0708374149"), "a full phone number was logged");
            assertEveryLineIsJson(output);
        }
    }

    /** Every line the process wrote, start-up and shutdown included, is one JSON object with the layout's fields. */
    private static void assertEveryLineIsJson(String output) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() > 20, output);
        for (String line : lines) {
            JsonNode entry = OutcomeCollector.json(line);
            assertFalse(entry.has("unparseable"), "not JSON: " + line);
            for (String field : List.of("timestamp", "level", "logger", "thread", "message")) {
                assertTrue(entry.path(field).isTextual(), field + " missing: " + line);
            }
            if (entry.has("exception")) {
                assertTrue(entry.path("exception").path("class").isTextual(), line);
            }
        }
    }

    /** The payment's lines carry its ids: the intent from when it is read, the CheckoutRequestID once Daraja gave it. */
    private static void assertJsonLogsCarryThePayment(String output, String checkoutRequestId) {
        List<JsonNode> payment = output.lines().map(OutcomeCollector::json)
                .filter(e -> "jar-intent-1".equals(e.path("intentId").asText())).toList();
        assertTrue(payment.size() >= 3, "the payment's lines:\n" + output);
        assertTrue(payment.stream().allMatch(e -> "JAR-1".equals(e.path("orderId").asText())), payment.toString());
        JsonNode opened = payment.stream().filter(e -> e.path("message").asText().contains("opened")).findFirst().orElseThrow();
        String attemptId = opened.path("attemptId").asText();
        assertFalse(attemptId.isEmpty(), opened.toString());
        JsonNode accepted = payment.stream().filter(e -> e.path("message").asText().contains("accepted by Daraja"))
                .findFirst().orElseThrow(() -> new AssertionError(payment.toString()));
        assertEquals(checkoutRequestId, accepted.path("checkoutRequestId").asText(), accepted.toString());
        JsonNode callback = payment.stream().filter(e -> e.path("message").asText().startsWith("Callback "))
                .findFirst().orElseThrow(() -> new AssertionError(payment.toString()));
        assertEquals(checkoutRequestId, callback.path("checkoutRequestId").asText(), callback.toString());
        assertEquals(attemptId, callback.path("attemptId").asText(), callback.toString());
        assertEquals("apply-callback", callback.path("routeId").asText(), callback.toString());
        JsonNode resolved = payment.stream().filter(e -> e.path("message").asText().contains(" is SUCCEEDED"))
                .findFirst().orElseThrow(() -> new AssertionError(payment.toString()));
        assertEquals(checkoutRequestId, resolved.path("checkoutRequestId").asText(), resolved.toString());
    }

    /** Nothing of a payment leaks onto lines about something else: Camel's shutdown lines (which must be there) carry no ids. */
    private static void assertShutdownLinesCarryNoPayment(String output) {
        List<JsonNode> shutdown = output.lines().map(OutcomeCollector::json)
                .filter(e -> e.path("message").asText().contains("Apache Camel") && e.path("message").asText().contains("shut"))
                .toList();
        assertFalse(shutdown.isEmpty(), "Camel's shutdown lines were logged:\n" + output);
        assertTrue(shutdown.stream().noneMatch(e -> e.has("intentId") || e.has("attemptId") || e.has("checkoutRequestId")),
                "a shutdown line carries a payment's ids: " + shutdown);
    }

    /** How long Camel says its shutdown took ("shutdown in 1s75ms"), from the process's own log. */
    private static Duration camelShutdownTook(String output) {
        Matcher line = Pattern.compile("shutdown in ((?:\\d+(?:ms|h|m|s))+)").matcher(output);
        assertTrue(line.find(), "Camel logged how long its shutdown took:\n" + output);
        Duration took = Duration.ZERO;
        Matcher part = Pattern.compile("(\\d+)(ms|h|m|s)").matcher(line.group(1));
        while (part.find()) {
            long n = Long.parseLong(part.group(1));
            took = took.plus(switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
        }
        return took;
    }

    /**
     * SIGTERM while pushes are in flight: the intents already polled are pushed and recorded, Daraja's callbacks for them
     * still received, every committed outcome published, and the process exits within the bound. A new instance on the
     * same ledger and consumer group then finishes the rest without pushing any intent twice.
     */
    @Test
    void sigtermFinishesInFlightWorkPublishesEveryOutcomeAndExitsInTime() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = PackagedJar.simulator(Duration.ofMillis(300))) {
            daraja.start();
            daraja.pushLatency(Duration.ofMillis(600));
            Path ledger = Files.createTempDirectory("stk-jar-db").resolve("ledger");
            Map<String, String> env = Map.of("STK_SHUTDOWN_TIMEOUT_SECONDS", "15",
                    "STK_QUERY_FIRST_DELAY_MS", "1000", "STK_QUERY_SWEEP_INTERVAL_MS", "500",
                    "STK_QUERY_RETRY_BASE_MS", "500", "STK_QUERY_RETRY_MAX_MS", "1000");
            Path firstLog = Files.createTempFile("stk-bridge-sigterm", ".log");
            Process first = PackagedJar.start(kafka, daraja, firstLog, ledger, env);
            try (OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "shop.payments.outcomes");
                 IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "shop.payments.intents")) {
                sigtermWhileInFlight(kafka, daraja, ledger, env, first, firstLog, outcomes, intents);
            } finally {
                first.destroyForcibly();
            }
        }
    }

    private static void sigtermWhileInFlight(EmbeddedKafka kafka, DarajaSimulator daraja, Path ledger, Map<String, String> env,
                                             Process first, Path firstLog, OutcomeCollector outcomes, IntentPublisher intents)
            throws Exception {
        List<String> orders = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            orders.add("SIG-" + i);
            intents.publish("SIG-" + i, IntentPublisher.intent("sig-intent-" + i, "SIG-" + i, 100 + i, "0708374149"));
        }
        OutcomeCollector.await(Duration.ofSeconds(60), "pushes in flight", () -> daraja.pushCount() >= 2);
        first.destroy();
        assertTrue(first.waitFor(60, TimeUnit.SECONDS), "stopped");
        String firstOutput = read(firstLog);
        // the JVM's code after SIGTERM (128 + 15), once Camel's shutdown hook has finished
        assertEquals(143, first.exitValue(), firstOutput);
        // within the bound by the process's own clock (STK_SHUTDOWN_TIMEOUT_SECONDS, then the final flush), not the
        // test's: starting and ending a JVM on a busy machine is no part of it
        Duration took = camelShutdownTook(firstOutput);
        assertTrue(took.compareTo(Duration.ofSeconds(15).plus(GracefulShutdown.FINAL_FLUSH)) < 0,
                "Camel's shutdown took " + took + "\n" + firstOutput);
        assertFalse(firstOutput.contains("Forcing the routes to be shutdown now"), firstOutput);
        assertFalse(firstOutput.contains("stay in the outbox"), firstOutput);

        // in the ledger the process left: no push cut off, nothing committed left unpublished, and all of it on Kafka
        List<String> published;
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + ledger, "sa", "")) {
            assertEquals(0, count(db, "SELECT COUNT(*) FROM stk_attempt WHERE status = 'PENDING_PUSH'"), firstOutput);
            assertEquals(0, count(db, "SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL"), firstOutput);
            assertTrue(count(db, "SELECT COUNT(*) FROM stk_attempt") >= 2, firstOutput);
            published = eventIds(db);
        }
        OutcomeCollector.await(Duration.ofSeconds(15), "every committed outcome on Kafka", () -> outcomes.values().stream()
                .map(e -> e.path("eventId").asText()).collect(Collectors.toSet()).containsAll(published));

        // a new instance on the same ledger finishes the rest, and pushes no intent twice
        daraja.pushLatency(Duration.ZERO);
        Path secondLog = Files.createTempFile("stk-bridge-restart", ".log");
        Process second = PackagedJar.start(kafka, daraja, secondLog, ledger, env);
        try {
            for (int i = 1; i <= 12; i++) {
                outcomes.awaitFinal("sig-intent-" + i, Duration.ofSeconds(60));
            }
        } finally {
            second.destroy();
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        }
        // the first process committed every record it had processed before it stopped: none is read again
        String secondOutput = read(secondLog);
        assertFalse(secondOutput.contains("redelivered"), secondOutput);
        Map<String, Long> pushesPerOrder = daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        assertEquals(new TreeSet<>(orders), new TreeSet<>(pushesPerOrder.keySet()), "every intent pushed");
        assertEquals(Map.of(), pushesPerOrder.entrySet().stream().filter(e -> e.getValue() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "an intent pushed twice");
        for (int i = 1; i <= 12; i++) {
            List<JsonNode> finals = outcomes.eventsOf("sig-intent-" + i).stream()
                    .filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).toList();
            assertEquals(1, finals.stream().map(e -> e.path("eventId").asText()).distinct().count(), finals.toString());
            assertEquals("SUCCEEDED", finals.get(0).path("status").asText(), finals.toString());
        }
    }

    /**
     * An H2 ledger whose unique index on intent_id still holds an attempt its table lost (as a killed process with delayed
     * writes left one): the jar refuses to start, saying what disagrees and how to repair it, and reads no intent.
     */
    @Test
    void refusesToStartOnALedgerWhoseIndexDisagreesWithItsTable() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = PackagedJar.simulator(Duration.ofMillis(100))) {
            daraja.start();
            Path ledger = Files.createTempDirectory("stk-jar-db").resolve("ledger");
            Path log = Files.createTempFile("stk-bridge-jar", ".log");
            Process first = PackagedJar.start(kafka, daraja, log, ledger, Map.of());
            // after the jar's start: it creates the topics
            IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "shop.payments.intents");
            try (OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "shop.payments.outcomes")) {
                for (int i = 1; i <= 2; i++) {
                    intents.publish("IDX-" + i, IntentPublisher.intent("idx-intent-" + i, "IDX-" + i, 10, "0708374149"));
                    assertEquals("SUCCEEDED", outcomes.awaitFinal("idx-intent-" + i, Duration.ofSeconds(60)).path("status").asText());
                }
            } finally {
                first.destroy();
                assertTrue(first.waitFor(60, TimeUnit.SECONDS), "stk-bridge stops on SIGTERM");
            }
            loseOneAttemptRowKeepingItsIndexEntries(ledger);
            try (intents) {
                intents.publish("IDX-3", IntentPublisher.intent("idx-intent-3", "IDX-3", 10, "0708374149"));
            }
            int pushesBefore = daraja.pushRequestCount();

            Path restartLog = Files.createTempFile("stk-bridge-jar", ".log");
            Process second = PackagedJar.launch(kafka, daraja, restartLog, ledger, Map.of());
            try {
                assertTrue(second.waitFor(60, TimeUnit.SECONDS), "refused to start instead of running on: " + read(restartLog));
            } finally {
                second.destroyForcibly();
            }
            String output = read(restartLog);
            assertEquals(2, second.exitValue(), output);
            assertTrue(output.contains("the ledger is inconsistent: index "), output);
            assertTrue(output.contains(" of STK_ATTEMPT holds 2 entries, the table 1 rows"), output);
            assertTrue(output.contains("stk-bridge does not start on it: restore the ledger from a backup or rebuild its indexes"),
                    output);
            assertFalse(output.contains("\tat "), "no stack trace: " + output);
            assertEquals(pushesBefore, daraja.pushRequestCount(), "no intent was pushed from an inconsistent ledger");
        }
    }

    /** Takes one attempt out of its table's primary map through H2's engine, leaving every secondary index as it was. */
    private static void loseOneAttemptRowKeepingItsIndexEntries(Path ledger) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + ledger, "sa", "")) {
            org.h2.engine.SessionLocal session = (org.h2.engine.SessionLocal) db.unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
            org.h2.table.Table attempts = session.getDatabase().getSchema("PUBLIC").getTableOrView(session, "STK_ATTEMPT");
            org.h2.index.Index table = attempts.getScanIndex(session);
            org.h2.index.Cursor rows = table.find(session, null, null, false);
            assertTrue(rows.next());
            table.remove(session, rows.get());
            session.commit(false);
            try (Statement statement = db.createStatement()) {
                statement.execute("SHUTDOWN");
            }
        }
    }

    @Test
    void helpListsEveryVariableAndExitsZero() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString(), "--help").redirectErrorStream(true);
        Process process = PackagedJar.tracked(builder.start());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        for (String variable : ConfigurationVariables.read()) {
            assertTrue(Pattern.compile("(?m)^  " + variable + " +(default|required): .+\\n      \\S")
                    .matcher(output).find(), variable + " in\n" + output);
        }
        assertTrue(output.contains("KAFKA_BOOTSTRAP_SERVERS                default: localhost:9092"), output);
        assertFalse(output.contains("Apache Camel"), "--help starts nothing: " + output);
    }

    private static long count(Connection db, String sql) throws Exception {
        try (Statement statement = db.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static List<String> eventIds(Connection db) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery("SELECT event_id FROM stk_outbox")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    @Test
    void refusesToStartWithoutItsConfigurationAndSaysWhatIsMissing() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_"));
        builder.environment().put("DARAJA_CONSUMER_SECRET", "not-to-be-printed");
        builder.environment().put("STK_CALLBACK_BASE_URL", "http://payments.example.com");
        Process process = PackagedJar.tracked(builder.start());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("DARAJA_SHORTCODE"), output);
        assertTrue(output.contains("DARAJA_CONSUMER_KEY"), output);
        assertTrue(output.contains("STK_CALLBACK_SECRET"), output);
        assertTrue(output.contains("STK_CALLBACK_BASE_URL must be https"), output);
        assertFalse(output.contains("not-to-be-printed"), output);
        assertFalse(output.contains("\tat "), "no stack trace: " + output);
        List<String> lines = output.lines().toList();
        int lastProblem = 0;
        for (int i = 0; i < lines.size(); i++) {
            lastProblem = lines.get(i).startsWith("  - ") ? i : lastProblem;
        }
        assertTrue(lastProblem > 0 && lines.get(lastProblem + 1).contains("java -jar stk-bridge.jar --help (or README.md, Configuration)"),
                "the error ends with where to read about each variable: " + output);
    }

    /** A second instance on one host: its management port is taken. It stops (exit 2) instead of running on unwatched. */
    @Test
    void refusesToStartWhenItsManagementPortIsTaken() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString()).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_"));
            env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");
            env.put("STK_KAFKA_CREATE_TOPICS", "false");
            env.put("DARAJA_CONSUMER_KEY", "jar-key");
            env.put("DARAJA_CONSUMER_SECRET", "jar-secret");
            env.put("DARAJA_SHORTCODE", "174379");
            env.put("DARAJA_PASSKEY", PASSKEY);
            int port = StkBridgeInstance.freePort();
            env.put("STK_HTTP_PORT", String.valueOf(port));
            env.put("STK_API_PORT", String.valueOf(StkBridgeInstance.freePort()));
            env.put("STK_CALLBACK_BASE_URL", "http://127.0.0.1:" + port);
            env.put("STK_CALLBACK_SECRET", "jar-callback-secret-0123456789");
            env.put("STK_DB_URL", "jdbc:h2:mem:taken");
            env.put("STK_MANAGEMENT_PORT", String.valueOf(taken.getLocalPort()));
            Process process = PackagedJar.tracked(builder.start());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stopped instead of running on");
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, process.exitValue(), output);
            assertTrue(output.contains("stk-bridge cannot start: the management server (STK_MANAGEMENT_HOST, STK_MANAGEMENT_PORT) "
                    + "could not listen on 127.0.0.1:" + taken.getLocalPort()), output);
            assertFalse(output.contains("jar-callback-secret-0123456789") || output.contains(PASSKEY), output);
        }
    }

    @Test
    void refusesABadMerchantsFileNamingEachKeyButNoSecret() throws Exception {
        Path file = Files.createTempFile("merchants", ".yaml");
        try {
            Files.writeString(file, """
                    merchants:
                      - name: shop
                        environment: production
                        shortcode: "600100"
                        consumerKeyEnv: SHOP_CONSUMER_KEY
                        consumerSecretEnv: SHOP_CONSUMER_SECRET
                        passkeyEnv: SHOP_PASSKEY
                      - name: kiosk
                        environment: sandbox
                        shortcode: "600200"
                        consumerKeyEnv: SHOP_CONSUMER_KEY
                        consumerSecretEnv: SHOP_CONSUMER_SECRET
                        passkey: inline-passkey-not-to-be-printed
                    """);
            ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString()).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_"));
            builder.environment().put("STK_MERCHANTS_FILE", file.toString());
            builder.environment().put("SHOP_CONSUMER_KEY", "shop-key");
            builder.environment().put("SHOP_CONSUMER_SECRET", "secret-not-to-be-printed");
            builder.environment().put("STK_CALLBACK_SECRET", "callback-secret-not-to-be-printed");
            builder.environment().put("STK_CALLBACK_BASE_URL", "http://payments.example.com");
            builder.environment().put("STK_CALLBACK_ALLOW_INSECURE", "true");
            Process process = PackagedJar.tracked(builder.start());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, process.exitValue(), output);
            assertTrue(output.contains("merchants[0].passkeyEnv: variable SHOP_PASSKEY is not set"), output);
            assertTrue(output.contains("merchants[1].passkey: secrets are never written in the merchants file"), output);
            assertTrue(output.contains("STK_CALLBACK_BASE_URL must be https because merchant(s) shop use production"), output);
            assertFalse(output.contains("not-to-be-printed"), output);
            assertFalse(output.contains("\tat "), "no stack trace: " + output);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
