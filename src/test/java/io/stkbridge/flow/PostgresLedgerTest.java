package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.PostgresSchemas;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;

import javax.sql.DataSource;
import java.io.File;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.stkbridge.testing.OutcomeCollector.await;
import static io.stkbridge.testing.OutcomeCollector.effective;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every ledger path end to end on PostgreSQL instead of H2: the real app, the in-process broker and the Daraja simulator,
 * with the ledger in a fresh schema of a real PostgreSQL server, checked both through the outcome events and by
 * querying PostgreSQL directly.
 *
 * <p>The server comes from {@code STK_TEST_PG_URL} / {@code STK_TEST_PG_USER} / {@code STK_TEST_PG_PASSWORD} (see
 * {@link PostgresSchemas}); without one the class is skipped, or fails when {@code STK_REQUIRE_POSTGRES=true} (CI).
 *
 * <p>Limitation: the app takes its database password only from the secret environment variable
 * {@code STK_DB_PASSWORD}, and {@link TestStack} passes a fixed secrets map, so no password reaches the app here. This
 * works with trust authentication, as on the CI machine; a server that requires a password needs
 * TestStack to forward {@code STK_TEST_PG_PASSWORD} as {@code STK_DB_PASSWORD} first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresLedgerTest {

    static final Duration BOUND = Duration.ofSeconds(20);
    static final String PHONE = "254708374149";
    static final Set<String> TABLES = Set.of("stk_attempt", "stk_callback", "stk_outbox", "stk_query", "stk_phone_access",
            "flyway_schema_history");

    static PostgresSchemas pg;
    static TestStack stack;
    /** Why the tests are skipped: no PostgreSQL and STK_REQUIRE_POSTGRES is not true. */
    static String skipped;

    @BeforeAll
    static void start() {
        try {
            pg = PostgresSchemas.createOrSkip();
        } catch (TestAbortedException unreachable) {
            // skipped per test (below): Surefire does not report a class skipped from @BeforeAll, not even its reason
            skipped = unreachable.getMessage().replaceFirst("^Assumption failed: ", "");
            return;
        }
        Map<String, String> properties = new HashMap<>(TestStack.FAST_SWEEPER);
        // a callback (150 ms) always comes before the first query, even on a busy machine: tests that expect the
        // callback to decide do not race the sweeper
        properties.put("stk.query.first-delay-ms", "3000");
        properties.put("stk.db.url", pg.appUrl());
        properties.put("stk.db.user", pg.user());
        stack = TestStack.start(properties);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }

    @BeforeEach
    void requirePostgres() {
        Assumptions.assumeTrue(skipped == null, skipped);
    }

    @AfterEach
    void restoreSimulator() {
        if (stack == null) {
            return;
        }
        stack.daraja.callbackDelay(Duration.ofMillis(150));
        stack.daraja.pushLatency(Duration.ZERO);
        stack.daraja.dropCallbacks(false);
        stack.daraja.answerPushesAfterTheirCallback(false);
    }

    // --- the schema ---------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void theAppRunsOnThisPostgresSchemaMigratedByFlyway() throws Exception {
        try (Connection connection = stack.app.context().getRegistry()
                .lookupByNameAndType("dataSource", DataSource.class).getConnection();
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT current_schema()")) {
            assertEquals("PostgreSQL", connection.getMetaData().getDatabaseProductName());
            row.next();
            assertEquals(pg.schema(), row.getString(1));
        }

        Set<String> tables = pg.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = ?", pg.schema())
                .stream().map(r -> r.get(0)).collect(Collectors.toSet());
        assertTrue(tables.containsAll(TABLES), "tables in " + pg.schema() + ": " + tables);
        assertEquals("timestamp with time zone", pg.value("SELECT data_type FROM information_schema.columns "
                + "WHERE table_schema = ? AND table_name = 'stk_attempt' AND column_name = 'created_at'", pg.schema()));

        List<List<String>> history = pg.rows("SELECT version, success FROM flyway_schema_history "
                + "WHERE version IS NOT NULL ORDER BY installed_rank");
        assertTrue(history.stream().allMatch(r -> "t".equals(r.get(1))), "a migration failed: " + history);
        Set<String> applied = history.stream().map(r -> r.get(0)).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(applied.containsAll(Set.of("1", "2")), "applied: " + applied);
        assertEquals(migrationVersionsOnTheClasspath(), applied);
    }

    /** The versions of src/main/resources/db/migration/V*__*.sql, so migrations added later are expected too. */
    private static Set<String> migrationVersionsOnTheClasspath() throws Exception {
        URL folder = PostgresLedgerTest.class.getClassLoader().getResource("db/migration");
        assertNotNull(folder, "db/migration on the classpath");
        assertEquals("file", folder.getProtocol(), "the tests run from target/classes");
        String[] names = new File(folder.toURI()).list();
        Pattern versioned = Pattern.compile("V(\\d+(?:[._]\\d+)*)__.+\\.sql");
        Set<String> versions = new TreeSet<>();
        for (String name : names == null ? new String[0] : names) {
            Matcher match = versioned.matcher(name);
            if (match.matches()) {
                versions.add(match.group(1).replace('_', '.'));
            }
        }
        return versions;
    }

    // --- push and callback ---------------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void aPaidIntentIsAcceptedThenSucceededByItsCallback() {
        String intentId = stack.pay(100);
        JsonNode paid = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"), statuses(intentId));
        assertEquals("CALLBACK", paid.path("source").asText());
        assertEquals("0", paid.path("resultCode").asText());
        assertTrue(paid.path("mpesaReceiptNumber").asText().matches("[A-Z0-9]{10}"));
        assertEquals(1, pushesFor(intentId));

        String attemptId = paid.path("attemptId").asText();
        assertEquals(List.of(List.of("SUCCEEDED", "CALLBACK", "0", paid.path("mpesaReceiptNumber").asText(), "100")),
                pg.rows("SELECT status, source, result_code, mpesa_receipt_number, amount FROM stk_attempt WHERE intent_id = ?", intentId));
        assertEquals(List.of(List.of("APPLIED")), pg.rows("SELECT disposition FROM stk_callback WHERE attempt_id = ?", attemptId));
        await(BOUND, "both outbox rows of " + intentId + " marked published", () -> "2".equals(pg.value(
                "SELECT COUNT(*) FROM stk_outbox WHERE attempt_id = ? AND published_at IS NOT NULL", attemptId)));
    }

    @Test
    @Order(3)
    void aCustomerFailureIsFinalFailed() {
        String intentId = stack.pay(1032);
        JsonNode failed = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals(List.of("ACCEPTED", "FAILED"), statuses(intentId));
        assertEquals("CANCELLED_BY_USER", failed.path("reason").asText());
        assertEquals("1032", failed.path("resultCode").asText());
        assertTrue(failed.path("mpesaReceiptNumber").isNull());
        assertEquals(List.of(List.of("FAILED", "CANCELLED_BY_USER", "1032", failed.path("retryable").asBoolean() ? "t" : "f")),
                pg.rows("SELECT status, reason, result_code, retryable FROM stk_attempt WHERE intent_id = ?", intentId));
    }

    @Test
    @Order(4)
    void aCallbackThatArrivesBeforeThePushAnswerIsKeptAndApplied() {
        stack.daraja.answerPushesAfterTheirCallback(true);   // the callback first, whatever the machine's load
        stack.daraja.callbackDelay(Duration.ZERO);
        String intentId = stack.pay(150);
        JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText());
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"), statuses(intentId));
        // kept in the inbox while the push was unanswered, applied once the answer was recorded
        assertEquals(List.of(List.of("APPLIED", "t")), pg.rows("SELECT c.disposition, c.received_at < a.push_answered_at "
                + "FROM stk_callback c JOIN stk_attempt a ON a.attempt_id = c.attempt_id WHERE a.intent_id = ?", intentId));
    }

    // --- intake --------------------------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void anInvalidIntentIsRejectedAndDeadLettered() {
        String intentId = newId("intent");
        String orderId = newId("BAD").substring(0, 12);
        stack.intents.publish(orderId, "{\"intentId\":\"" + intentId + "\",\"orderId\":\"" + orderId
                + "\",\"amount\":12.5,\"phoneNumber\":\"0812345678\"}");
        JsonNode rejected = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("REJECTED", rejected.path("status").asText());
        assertEquals("INVALID_INTENT", rejected.path("reason").asText());
        assertEquals("VALIDATION", rejected.path("source").asText());
        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> r.value().contains(intentId), 1, BOUND).get(0);
        assertEquals("INVALID_INTENT", header(dead, "stk_error_reason"));
        assertEquals(List.of(List.of("REJECTED", "INVALID_INTENT", "VALIDATION")),
                pg.rows("SELECT status, reason, source FROM stk_attempt WHERE intent_id = ?", intentId));
    }

    @Test
    @Order(6)
    void theSameIntentDeliveredTwiceIsPushedOnce() {
        String intentId = newId("intent");
        String orderId = newId("TWC").substring(0, 12);
        String body = IntentPublisher.intent(intentId, orderId, 170, "0708374149");
        stack.intents.publish(orderId, body);
        stack.intents.publish(orderId, body);
        stack.outcomes.awaitFinal(intentId, BOUND);
        stack.outcomes.awaitFinal(stack.pay(171), BOUND);       // the redelivery has been handled by now
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"), statuses(intentId));
        assertEquals(1, pushesFor(intentId));
        assertEquals("1", pg.value("SELECT COUNT(*) FROM stk_attempt WHERE intent_id = ?", intentId));
    }

    @Test
    @Order(7)
    void aReusedIntentIdWithOtherContentIsDeadLetteredAndChangesNothing() {
        String intentId = newId("intent");
        String orderId = newId("RUS").substring(0, 12);
        stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 180, "0708374149"));
        stack.outcomes.awaitFinal(intentId, BOUND);
        stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, 999, "0708374149"));
        ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(
                r -> r.value().contains(intentId) && r.value().contains("999"), 1, BOUND).get(0);
        assertEquals("DUPLICATE_INTENT_CONFLICT", header(dead, "stk_error_reason"));
        assertEquals(List.of("ACCEPTED", "SUCCEEDED"), statuses(intentId));
        assertEquals(1, pushesFor(intentId));
        assertEquals(List.of(List.of("180", "SUCCEEDED")),
                pg.rows("SELECT amount, status FROM stk_attempt WHERE intent_id = ?", intentId));
    }

    // --- STK Query and corrections -------------------------------------------------------------------------------------

    @Test
    @Order(8)
    void droppedCallbacksAreResolvedByTheSweepersQuery() {
        stack.daraja.dropCallbacks(true);
        String paid = stack.pay(100);
        String cancelled = stack.pay(1032);
        JsonNode paidOutcome = stack.outcomes.awaitFinal(paid, BOUND);
        JsonNode cancelledOutcome = stack.outcomes.awaitFinal(cancelled, BOUND);
        assertEquals("SUCCEEDED", paidOutcome.path("status").asText());
        assertEquals("QUERY", paidOutcome.path("source").asText());
        assertFalse(paidOutcome.path("receiptAvailable").asBoolean());
        assertEquals("FAILED", cancelledOutcome.path("status").asText());
        assertEquals("CANCELLED_BY_USER", cancelledOutcome.path("reason").asText());
        assertEquals("QUERY", cancelledOutcome.path("source").asText());
        for (String intentId : List.of(paid, cancelled)) {
            assertEquals(2, stack.outcomes.eventsOf(intentId).size());
            assertEquals("0", pg.value("SELECT COUNT(*) FROM stk_callback c JOIN stk_attempt a ON a.attempt_id = c.attempt_id "
                    + "WHERE a.intent_id = ?", intentId));
            assertTrue(Integer.parseInt(pg.value("SELECT COUNT(*) FROM stk_query q JOIN stk_attempt a ON a.attempt_id = q.attempt_id "
                    + "WHERE a.intent_id = ? AND q.trigger_source IS NOT NULL", intentId)) >= 1, "queries recorded");
            assertEquals(List.of(List.of("QUERY", "t")),
                    pg.rows("SELECT source, next_query_at IS NULL FROM stk_attempt WHERE intent_id = ?", intentId));
        }
    }

    @Test
    @Order(9)
    void aLateSuccessThatContradictsTheQueryIsAskedAgainAndRefutedNeverPublished() throws Exception {
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(1032);
        JsonNode byQuery = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", byQuery.path("status").asText());
        String attemptId = byQuery.path("attemptId").asText();
        String checkout = byQuery.path("checkoutRequestId").asText();

        assertEquals(200, stack.post(stack.callbackPath(attemptId), TestStack.successCallback(checkout, 1032, PHONE), Map.of()).statusCode());
        await(BOUND, "the success refuted by a query", () -> "REFUTED_BY_QUERY".equals(
                pg.value("SELECT disposition FROM stk_callback WHERE attempt_id = ?", attemptId)));
        stack.post(stack.callbackPath(attemptId), """
                {"Body":{"stkCallback":{"CheckoutRequestID":"%s","ResultCode":1032,"ResultDesc":"Request cancelled by user"}}}"""
                .formatted(checkout), Map.of());
        await(BOUND, "the second callback in the inbox", () -> "2".equals(
                pg.value("SELECT COUNT(*) FROM stk_callback WHERE attempt_id = ?", attemptId)));
        stack.outcomes.awaitFinal(stack.pay(152), BOUND);
        assertEquals(2, stack.outcomes.eventsOf(intentId).size());
        assertEquals(List.of(List.of("FAILED", "f", "t")),
                pg.rows("SELECT status, corrected, next_query_at IS NULL FROM stk_attempt WHERE attempt_id = ?", attemptId));
        assertEquals(List.of(List.of("REFUTED_BY_QUERY"), List.of("ALREADY_FINAL")),
                pg.rows("SELECT disposition FROM stk_callback WHERE attempt_id = ? ORDER BY callback_id", attemptId));
        assertEquals("2", pg.value("SELECT COUNT(*) FROM stk_outbox WHERE attempt_id = ?", attemptId));
    }

    @Test
    @Order(10)
    void aPushReadTimeoutIsUnknownThenCorrectedByTheLateCallback() {
        // the push read times out after 2 s; the callback comes well after the UNKNOWN was recorded, even on a busy machine
        stack.daraja.callbackDelay(Duration.ofSeconds(8));
        String intentId = stack.pay(6000);
        JsonNode unknown = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("UNKNOWN", unknown.path("status").asText());
        assertEquals("PUSH_OUTCOME_UNKNOWN", unknown.path("reason").asText());
        await(BOUND, "the correction", () -> stack.outcomes.eventsOf(intentId).size() == 2);
        JsonNode correction = stack.outcomes.eventsOf(intentId).get(1);
        assertEquals("SUCCEEDED", correction.path("status").asText());
        assertTrue(correction.path("correction").asBoolean());
        assertEquals(unknown.path("eventId").asText(), correction.path("corrects").asText());
        List<String> pushed = stack.daraja.pushes().stream()
                .filter(p -> p.accountReference().equals(unknown.path("orderId").asText())).map(p -> p.checkoutRequestId()).toList();
        assertEquals(1, pushed.size());
        assertTrue(stack.daraja.queries().stream().anyMatch(q -> q.checkoutRequestId().equals(pushed.get(0))),
                "published after an STK Query with the callback's CheckoutRequestID agreed");
        assertEquals("t", pg.value("SELECT corrected FROM stk_attempt WHERE intent_id = ?", intentId));
    }

    // --- crash and restart ---------------------------------------------------------------------------------------------

    private record Sent(String intentId, String orderId, int amount) {
    }

    /** Publishes intents {@code from} to {@code to} of a crash run: every tenth a customer failure, another a dropped callback. */
    private static List<Sent> publishCrashRun(String run, int from, int to, Map<Integer, String> expected) {
        List<Sent> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int amount = i % 10 == 7 ? 1032 : i % 10 == 9 ? 7000 : 100 + i;
            expected.put(amount, amount == 1032 ? "FAILED" : "SUCCEEDED");
            String orderId = "PGC" + run + "-" + i;
            String intent = IntentPublisher.intent("pg-crash-" + run + "-" + i, orderId, amount, "0708374149");
            stack.intents.publish(orderId, intent);
            if (i % 10 == 3) {
                stack.intents.publish(orderId, intent);        // redelivered by a retrying producer
            }
            sent.add(new Sent("pg-crash-" + run + "-" + i, orderId, amount));
        }
        return sent;
    }

    /**
     * Last: it replaces the app instance. The crash comes while Daraja holds its answers to the last pushes (longer than
     * the crash's one second of drain), so it really cuts pushes off: their attempts stay PENDING_PUSH, and only those
     * may end UNKNOWN (PUSH_INTERRUPTED), unless the bridge took their callback.
     */
    @Test
    @Order(100)
    void aCrashMidBatchLosesNothingAndPushesNothingTwice() {
        stack.restartApp(TestStack.READ_TIMEOUT_ABOVE_HELD_ANSWERS);
        stack.daraja.pushLatency(Duration.ofMillis(150));
        String run = UUID.randomUUID().toString().substring(0, 4);
        Map<Integer, String> expected = new LinkedHashMap<>();
        List<Sent> sent = new ArrayList<>(publishCrashRun(run, 0, 25, expected));
        await(BOUND, "part of the batch to be decided", () -> finals(sent) >= 10);
        stack.daraja.pushLatency(TestStack.HELD_PUSH_ANSWER);
        sent.addAll(publishCrashRun(run, 25, 40, expected));
        TestStack.CutOff cutOff = stack.crashCuttingOffPushes(3, Duration.ZERO);
        long decidedAtCrash = finals(sent);
        assertTrue(decidedAtCrash < sent.size(), "the crash came mid-batch: " + decidedAtCrash + " of " + sent.size());
        assertFalse(cutOff.pushedOrders().isEmpty(),
                "the crash cut off pushes Daraja had received (attempts left PENDING_PUSH): " + cutOff);
        // down for longer than the sweeper's windows (the give-up window, FAST_SWEEPER: 5 s; the interrupted pushes' callback
        // wait, 24 s), as after a longer outage: on restart the sweeper may close the cut-off attempts before their
        // intents are read again, and must then apply the callbacks waiting for them too
        await(Duration.ofSeconds(60), "the cut-off attempts to be past the sweeper's windows", () -> "0".equals(pg.value(
                "SELECT COUNT(*) FROM stk_attempt WHERE status = 'PENDING_PUSH' AND updated_at > now() - interval '25 seconds'")));
        stack.restartApp();

        await(BOUND, () -> "every intent of the batch to be decided, and corrected where the bridge took its callback; "
                + "cut off: " + cutOff + "; unsettled: " + unsettled(sent).stream()
                .map(s -> s + " " + distinctEvents(s)).toList(), () -> unsettled(sent).isEmpty());
        stack.outcomes.awaitFinal(stack.pay(153), BOUND);       // one more relay pass after the last decision
        Map<String, Long> pushesPerOrder = stack.daraja.pushes().stream()
                .collect(Collectors.groupingBy(ReceivedPush::accountReference, Collectors.counting()));
        Set<String> calledBack = stack.ordersWithDeliveredCallback();
        for (Sent s : sent) {
            List<JsonNode> distinct = distinctEvents(s);
            assertEquals(1, distinct.stream().filter(e -> e.path("final").asBoolean() && !e.path("correction").asBoolean()).count(),
                    s + " must have exactly one final event: " + distinct);
            assertTrue(distinct.stream().filter(e -> e.path("correction").asBoolean()).count() <= 1, s + " corrected twice");
            assertTrue(distinct.stream().filter(e -> "ACCEPTED".equals(e.path("status").asText())).count() <= 1, s + " accepted twice");
            assertTrue(pushesPerOrder.getOrDefault(s.orderId(), 0L) <= 1, s + " was pushed twice");
            for (JsonNode unknown : distinct.stream().filter(e -> "UNKNOWN".equals(e.path("status").asText())).toList()) {
                assertEquals("PUSH_INTERRUPTED", unknown.path("reason").asText(), s + ": " + distinct);
                assertTrue(cutOff.inFlightIntents().contains(s.intentId()),
                        s + " was published UNKNOWN but the crash did not cut its push off: " + distinct);
            }
            String status = effective(distinct).path("status").asText();
            if ("UNKNOWN".equals(status)) {
                assertFalse(calledBack.contains(s.orderId()), s + " stays UNKNOWN although the bridge took its callback: " + distinct);
            } else {
                assertEquals(expected.get(s.amount()), status, s + ": " + distinct);
            }
            List<List<String>> rows = pg.rows("SELECT status FROM stk_attempt WHERE intent_id = ?", s.intentId());
            assertEquals(1, rows.size(), s + " has one attempt row");
            assertEquals(status, rows.get(0).get(0), s + " in the ledger");
        }
        await(BOUND, "the outbox to be drained", () -> "0".equals(pg.value("SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL")));
    }

    /** Intents without a final event, or still UNKNOWN although the bridge took the callback that tells their outcome. */
    private static List<Sent> unsettled(List<Sent> sent) {
        Set<String> tookCallback = stack.ordersWithDeliveredCallback();
        return sent.stream().filter(s -> {
            JsonNode effective = effective(distinctEvents(s));
            return effective == null || "UNKNOWN".equals(effective.path("status").asText()) && tookCallback.contains(s.orderId());
        }).toList();
    }

    private static List<JsonNode> distinctEvents(Sent sent) {
        return stack.outcomes.distinctEventsOf(sent.intentId());
    }

    private static long finals(List<Sent> sent) {
        return sent.stream().filter(s -> stack.outcomes.eventsOf(s.intentId()).stream()
                .anyMatch(e -> e.path("final").asBoolean())).count();
    }

    // --- helpers -------------------------------------------------------------------------------------------------------

    private static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<String> statuses(String intentId) {
        return stack.outcomes.eventsOf(intentId).stream().map(e -> e.path("status").asText()).toList();
    }

    private static long pushesFor(String intentId) {
        String orderId = stack.outcomes.eventsOf(intentId).get(0).path("orderId").asText();
        return stack.daraja.pushes().stream().filter(p -> p.accountReference().equals(orderId)).count();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
