package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.daraja.DarajaOutage;
import io.stkbridge.ledger.LedgerException;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.testing.AcceptanceWriteFault;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.StackLedger;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The push lifecycle's edges, counted at the Daraja simulator: an attempt that was given up is never sent, and a ledger
 * failure after the push was sent never leads to a second push: Daraja's answer is recorded again while the ledger fails
 * for a while, and left to the callback once it has failed for too long. On H2 ({@link AttemptLifecycleH2Test}) and on
 * PostgreSQL ({@link AttemptLifecyclePostgresTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AttemptLifecycleTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static final String PHONE = "0708374149";
    /** The route of the stale-attempt sweeper, which closes possibly-sent attempts from their stored callback. */
    static final String SWEEPER = "stale-attempts";
    TestStack stack;

    /** The orderId (and so account reference) whose pushes are refused with a connection error; null for none. */
    final AtomicReference<String> refuseConnectionsFor = new AtomicReference<>();
    final AtomicInteger refusedConnections = new AtomicInteger();
    /** While set, every deferred push is preceded by a new pause, as when another push just met the outage. */
    final AtomicBoolean pauseBeforeDeferredPushes = new AtomicBoolean();
    final AtomicInteger deferredRunsDone = new AtomicInteger();
    /** The orderId whose push answer cannot be recorded: the ledger is unreachable at that moment. */
    final AtomicReference<String> ledgerDownWhenRecording = new AtomicReference<>();
    /** How many more times recording that answer fails (the ledger is down for a while); and how often it did. */
    final AtomicInteger ledgerFailuresLeft = new AtomicInteger();
    final AtomicInteger ledgerFailures = new AtomicInteger();

    /** The orderId whose record fails the same way on every read (as a ledger whose index disagrees with its table). */
    final AtomicReference<String> poisoned = new AtomicReference<>();
    final AtomicInteger poisonedReads = new AtomicInteger();

    StackLedger ledger;
    /** Failures of the ledger itself while it records Daraja's acceptance of a push. */
    AcceptanceWriteFault acceptanceWrites;
    /** STK_PUSH_ANSWER_RECORD_RETRY_MS here: how long an answer is recorded again while the ledger fails. */
    static final Duration ANSWER_RECORD_RETRY = Duration.ofMillis(1500);

    /** The ledger to run on. */
    abstract StackLedger ledger();

    @BeforeAll
    void start() throws Exception {
        ledger = ledger();
        Map<String, String> properties = new HashMap<>(ledger.properties());
        // a deferred attempt that met the outage itself is given up after 1 s; pauses are short
        properties.put("daraja.outage-give-up-ms", "1000");
        properties.put("daraja.outage-pause-ms", "200");
        properties.put("stk.intake.max-failed-reads", "3");
        properties.put("stk.push.answer-record-retry-ms", String.valueOf(ANSWER_RECORD_RETRY.toMillis()));
        stack = TestStack.start(properties);
        acceptanceWrites = AcceptanceWriteFault.install(
                stack.app.context().getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class));
        DarajaOutage outage = stack.app.context().getRegistry().lookupByNameAndType("darajaOutage", DarajaOutage.class);
        AdviceWith.adviceWith(stack.app.context(), "stk-push", route -> {
            route.weaveById("call-stk-push").before().process(exchange -> {
                String orderId = exchange.getProperty("attempt", io.stkbridge.ledger.Attempt.class).orderId();
                if (orderId.equals(refuseConnectionsFor.get())) {
                    refusedConnections.incrementAndGet();
                    throw new ConnectException("Connection refused (injected)");
                }
            });
            route.weaveByToString("Bean\\[ref:pushFailures method:record.*").selectLast().before().process(exchange -> {
                String orderId = exchange.getProperty("attempt", io.stkbridge.ledger.Attempt.class).orderId();
                if (orderId.equals(ledgerDownWhenRecording.get()) && ledgerFailuresLeft.getAndDecrement() > 0) {
                    ledgerFailures.incrementAndGet();
                    // as PostgreSQL refusing connections reaches the ledger: Hikari wrapping the driver's ConnectException
                    throw new LedgerException(new SQLTransientConnectionException(
                            "HikariPool-1 - Connection is not available, request timed out after 30000ms.", "08001",
                            new ConnectException("Connection refused")));
                }
            });
        });
        AdviceWith.adviceWith(stack.app.context(), "intake-record", route -> route.weaveAddFirst().process(exchange -> {
            String target = poisoned.get();
            if (target != null && exchange.getMessage().getBody(String.class).contains("\"" + target + "\"")) {
                poisonedReads.incrementAndGet();
                throw new LedgerException(new SQLException(
                        "Unique index or primary key violation: \"PUBLIC.UQ_ATTEMPT_INTENT_INDEX_C\"", "23505"));
            }
        }));
        AdviceWith.adviceWith(stack.app.context(), "deferred-pushes", route -> {
            route.weaveByToUri("direct:stk-push").before().process(exchange -> {
                if (pauseBeforeDeferredPushes.get()) {
                    outage.begin("injected: another push met the outage");
                }
            });
            route.weaveAddLast().process(exchange -> deferredRunsDone.incrementAndGet());
        });
    }

    @AfterAll
    void stop() throws Exception {
        ledger.closeAfter(stack);
    }

    @AfterEach
    void heal() throws Exception {
        acceptanceWrites.clear();
        stack.app.context().getRouteController().startRoute(SWEEPER);
        refusedConnections.set(0);
        refuseConnectionsFor.set(null);
        pauseBeforeDeferredPushes.set(false);
        ledgerDownWhenRecording.set(null);
        ledgerFailuresLeft.set(0);
        ledgerFailures.set(0);
        poisoned.set(null);
        stack.daraja.callbackDelay(Duration.ofMillis(150));
    }

    private String publish(String orderId, int amount) {
        String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        stack.intents.publish(orderId, IntentPublisher.intent(intentId, orderId, amount, PHONE));
        return intentId;
    }

    private List<ReceivedPush> pushesOf(String orderId) {
        return stack.daraja.pushes().stream().filter(p -> orderId.equals(p.accountReference())).toList();
    }

    private static String newOrderId() {
        return ("ORD-" + UUID.randomUUID()).substring(0, 12);
    }

    @Test
    void aDeferredAttemptThatIsGivenUpIsNeverSent() {
        String orderId = newOrderId();
        refuseConnectionsFor.set(orderId);
        pauseBeforeDeferredPushes.set(true);
        String intentId = publish(orderId, 100);
        // the first push and its connect retry reach nobody: the attempt is DEFERRED, having met the outage itself
        await(BOUND, "the push to be refused twice", () -> refusedConnections.get() >= 2);
        refuseConnectionsFor.set(null);

        JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("FAILED", outcome.path("status").asText());
        assertEquals("PUSH_FAILED", outcome.path("reason").asText());
        // the deferred-pushes run that gave it up (and would have sent it) has finished
        int runs = deferredRunsDone.get();
        await(BOUND, "the deferred-pushes run under way to finish", () -> deferredRunsDone.get() >= runs + 2);
        assertEquals(List.of(), pushesOf(orderId), "an attempt given up as FAILED must never reach Daraja");
        assertEquals(1, stack.outcomes.eventsOf(intentId).size(), "one final event and nothing after it");
    }

    @Test
    void aLedgerFailureWhileRecordingTheAnswerNeverLeadsToASecondPush() {
        String orderId = newOrderId();
        // down for longer than the push's connect retries (DARAJA_PUSH_CONNECT_RETRIES=1 here) would wait
        ledgerFailuresLeft.set(2);
        ledgerDownWhenRecording.set(orderId);
        String intentId = publish(orderId, 100);
        await(BOUND, "the push answer to fail to be recorded", () -> ledgerFailures.get() >= 1);

        // the intent is read again; its attempt was possibly sent, so it is never pushed again: the callback that
        // Daraja sent for the one push decides it
        await(BOUND, "SUCCEEDED for " + intentId, () -> stack.outcomes.eventsOf(intentId).stream()
                .anyMatch(e -> "SUCCEEDED".equals(e.path("status").asText())));
        assertEquals(1, pushesOf(orderId).size(), "pushed exactly once: " + pushesOf(orderId));
        // and it is settled for good: the intake moved on and pushes the next intent once
        String nextOrder = newOrderId();
        String next = publish(nextOrder, 100);
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(next, BOUND).path("status").asText());
        assertEquals(1, pushesOf(orderId).size(), "still pushed exactly once: " + pushesOf(orderId));
        assertEquals(1, pushesOf(nextOrder).size());
    }

    @Test
    void anAcceptanceTheLedgerFailsToRecordIsRecordedAgainAndNeverPushedAgain() {
        String orderId = newOrderId();
        acceptanceWrites.failNext(orderId, 2);
        String intentId;
        try (CapturedLogs logs = CapturedLogs.install()) {
            intentId = publish(orderId, 100);
            assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
            // the ledger's own failure (the connection ended: 57P01 on PostgreSQL; the injected 08006 on H2), not the
            // rollback that failed after it on the broken connection
            List<String> warned = logs.linesContaining("could not be recorded");
            assertEquals(1, warned.size(), warned.toString());
            assertTrue(warned.get(0).matches("(?s).*\\(\\w+, SQLState (57P01|08006)\\).*"), warned.get(0));
        }
        assertEquals(3, acceptanceWrites.tries(), "two tries failed, the third recorded the acceptance");
        List<ReceivedPush> pushes = pushesOf(orderId);
        assertEquals(1, pushes.size(), "pushed exactly once: " + pushes);
        List<JsonNode> accepted = stack.outcomes.eventsOf(intentId).stream()
                .filter(e -> "ACCEPTED".equals(e.path("status").asText())).toList();
        assertEquals(1, accepted.size(), "one ACCEPTED event: " + stack.outcomes.eventsOf(intentId));
        assertEquals(pushes.get(0).checkoutRequestId(), accepted.get(0).path("checkoutRequestId").asText());
        assertEquals(List.of(List.of(pushes.get(0).checkoutRequestId())), stack.ledgerRows(
                "SELECT checkout_request_id FROM stk_attempt WHERE intent_id = '" + intentId + "'"));
    }

    @Test
    void anAcceptanceTheLedgerKeepsFailingToRecordIsLeftPossiblySentToItsCallback() throws Exception {
        // held still, so that the attempt is seen as the failure left it, before anything could decide it
        stack.app.context().getRouteController().stopRoute(SWEEPER);
        String orderId = newOrderId();
        acceptanceWrites.failNext(orderId, Integer.MAX_VALUE);
        try (CapturedLogs logs = CapturedLogs.install()) {
            String intentId = publish(orderId, 100);
            await(BOUND, "the answer to be given up on", () -> !logs.linesContaining("was NOT recorded").isEmpty());

            String givenUp = logs.linesContaining("was NOT recorded").get(0);
            assertTrue(givenUp.contains("(phone 2547*****149)"), givenUp);
            assertTrue(logs.linesContaining(io.stkbridge.daraja.PushFailures.class.getName()).stream()
                    .noneMatch(line -> line.contains("254708374149")), "the phone number is masked in the logs");
            assertTrue(acceptanceWrites.tries() >= 2, "recorded again before giving up: " + acceptanceWrites.tries());
            // possibly sent, nothing decided: not UNKNOWN, no event
            List<String> attempt = stack.ledgerRows("SELECT status, push_started_at, checkout_request_id FROM stk_attempt "
                    + "WHERE intent_id = '" + intentId + "'").get(0);
            assertEquals("PENDING_PUSH", attempt.get(0));
            assertNotNull(attempt.get(1), "the send boundary was crossed");
            assertNull(attempt.get(2));
            assertEquals(List.of(), stack.outcomes.eventsOf(intentId));

            // as before the retries: the callback of the one push decides it
            acceptanceWrites.clear();
            stack.app.context().getRouteController().startRoute(SWEEPER);
            JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
            assertEquals("SUCCEEDED", outcome.path("status").asText());
            assertEquals("CALLBACK", outcome.path("source").asText());
            assertEquals(1, pushesOf(orderId).size(), "pushed exactly once: " + pushesOf(orderId));
        }
    }

    @Test
    void aReadTimeoutOfTheDarajaCallIsStillUnknownAndNeverResent() {
        // the push's answer comes after the 2 s read timeout (amount 6000), its callback after that: the failure is the
        // Daraja call's own, so it stays classified as "may have prompted the customer"
        stack.daraja.callbackDelay(Duration.ofSeconds(3));
        String orderId = newOrderId();
        String intentId = publish(orderId, 6000);
        JsonNode outcome = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("UNKNOWN", outcome.path("status").asText());
        assertEquals("PUSH_OUTCOME_UNKNOWN", outcome.path("reason").asText());
        assertEquals(1, pushesOf(orderId).size());
    }

    @Test
    void aRecordThatFailsOnEveryReadGoesToTheDeadLetterTopicAfterBoundedReadsAndTheIntakeMovesOn() throws Exception {
        String orderId = newOrderId();
        poisoned.set(orderId);
        String poison = publish(orderId, 100);
        // the next intent on the same partition (same key): it waits behind the poisoned record until that one is done
        String nextIntent = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        String nextOrder = newOrderId();
        stack.intents.publish(orderId, IntentPublisher.intent(nextIntent, nextOrder, 100, PHONE));

        var dead = stack.deadLetters.awaitRecords(r -> orderId.equals(r.key()), 1, BOUND).get(0);
        assertEquals("PROCESSING_FAILED_REPEATEDLY", header(dead, "stk_error_reason"));
        assertEquals("3", header(dead, "stk_failed_reads"));
        assertTrue(header(dead, "stk_error_message").contains("Unique index or primary key violation"),
                header(dead, "stk_error_message"));
        assertTrue(dead.value().contains(poison), "the DLQ keeps the record as it came");
        assertTrue(poisonedReads.get() >= 3, "a read counts only while other records get through: " + poisonedReads);
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(nextIntent, BOUND).path("status").asText(),
                "the intake moved on past the dead-lettered record");
        assertEquals(List.of(), pushesOf(orderId), "the poisoned record was never pushed");
        assertEquals(1, pushesOf(nextOrder).size());
        assertEquals(List.of(), stack.outcomes.eventsOf(poison));
        String metrics = stack.getManagement("/observe/metrics").body();
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("stk_dead_letters_total{")
                && line.contains("reason=\"PROCESSING_FAILED_REPEATEDLY\"") && line.endsWith(" 1.0")), metrics);
    }

    private static String header(org.apache.kafka.clients.consumer.ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
