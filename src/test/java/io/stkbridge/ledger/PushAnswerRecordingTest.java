package io.stkbridge.ledger;

import io.stkbridge.testing.FaultyDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stkbridge.StkMetrics;
import io.stkbridge.WorkSlots;
import io.stkbridge.daraja.DarajaOutage;
import io.stkbridge.daraja.PushAnswer;
import io.stkbridge.daraja.PushFailures;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Daraja's answer to a push, recorded by {@link PushFailures} while the ledger fails: recorded again on a new connection
 * until it is written, published once even when a try's commit went through unacknowledged, and given up on after
 * STK_PUSH_ANSWER_RECORD_RETRY_MS with the attempt left possibly sent. On H2 and on PostgreSQL.
 */
class PushAnswerRecordingTest {

    static final String OWNER = "instance-a/run-1";

    /** A ledger whose next connections, or the commits on them, fail as the test says, each counted. */
    static final class FailingLedger extends FaultyDataSource {

        final AtomicInteger connectionsToRefuse = new AtomicInteger();
        final AtomicInteger commitsToLoseTheAcknowledgementOf = new AtomicInteger();
        final AtomicInteger connectionsRefused = new AtomicInteger();

        FailingLedger(DataSource ledger) {
            super(ledger);
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (connectionsToRefuse.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                connectionsRefused.incrementAndGet();
                throw new SQLTransientConnectionException("injected: the pool timed out", "08001");
            }
            Connection connection = ledger.getConnection();
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, arguments) -> {
                        try {
                            Object result = method.invoke(connection, arguments);
                            if (method.getName().equals("commit")
                                    && commitsToLoseTheAcknowledgementOf.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                                throw new SQLException("injected: the connection broke before the commit was acknowledged",
                                        "08006");
                            }
                            return result;
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }

    record Bridge(AttemptLedger attempts, PushFailures pushFailures, FailingLedger failing) {
    }

    static Bridge bridge(TestLedger ledger, Duration answerRecordRetry) {
        MovableClock clock = new MovableClock();
        FailingLedger failing = new FailingLedger(ledger.dataSource);
        AttemptLedger attempts = PushBoundaryTest.attempts(ledger, clock);
        AttemptLedger failingAttempts = PushBoundaryTest.attempts(
                new Transactions(failing, H2GroupCommit.forLedger(ledger.dataSource.getJdbcUrl(), Duration.ZERO)), clock);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PushFailures pushFailures = new PushFailures(failingAttempts, new DarajaOutage(clock, Duration.ofSeconds(15),
                Duration.ofMinutes(30)), clock, new StkMetrics(() -> meters), answerRecordRetry, new WorkSlots(1));
        return new Bridge(attempts, pushFailures, failing);
    }

    /** An attempt whose push was sent (its send boundary crossed by {@link #OWNER}). */
    static Attempt sent(Bridge bridge, String intentId) {
        Attempt attempt = bridge.attempts().open(PushBoundaryTest.intent(intentId)).attempt();
        assertTrue(bridge.attempts().startPush(attempt, OWNER));
        return attempt;
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAnswerIsRecordedAgainOnANewConnectionAndPublishedOnce(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            Bridge bridge = bridge(ledger, Duration.ofSeconds(30));

            // the pool cannot hand out a connection twice, then the answer is written
            Attempt refused = sent(bridge, "refused");
            bridge.failing().connectionsToRefuse.set(2);
            bridge.pushFailures().record(refused, OWNER, PushAnswer.read(400,
                    "{\"requestId\":\"r-1\",\"errorCode\":\"400.002.02\",\"errorMessage\":\"Bad Request - Invalid PhoneNumber\"}"));
            assertEquals(2, bridge.failing().connectionsRefused.get());
            assertEquals("REJECTED INVALID_REQUEST final", PushBoundaryTest.outcome(ledger, "refused"));
            assertEquals("io.stkbridge.stk.outcome.rejected", PushBoundaryTest.events(ledger, "refused"));

            // the acceptance was committed, but the connection broke before the commit was acknowledged
            Attempt accepted = sent(bridge, "accepted");
            bridge.failing().commitsToLoseTheAcknowledgementOf.set(1);
            bridge.pushFailures().record(accepted, OWNER, PushBoundaryTest.accepted("ws_CO_accepted"));
            assertEquals("ACCEPTED - final", PushBoundaryTest.outcome(ledger, "accepted"));
            assertEquals("io.stkbridge.stk.outcome.accepted", PushBoundaryTest.events(ledger, "accepted"), "published once");
            assertEquals(1, logs.linesContaining("(CheckoutRequestID ws_CO_accepted) was recorded already").size());

            // still busy after the re-sends: nothing was prompted, and the attempt is deferred all the same
            Attempt busy = sent(bridge, "busy");
            bridge.failing().connectionsToRefuse.set(1);
            bridge.pushFailures().record(busy, OWNER, PushAnswer.read(429,
                    "{\"requestId\":\"r-2\",\"errorCode\":\"500.003.02\",\"errorMessage\":\"Spike arrest violation\"}"));
            assertEquals("DEFERRED", ledger.value("SELECT status FROM stk_attempt WHERE intent_id = 'busy'"));
            assertEquals(List.of(), logs.linesContaining("was NOT recorded"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAnswerTheLedgerKeepsFailingIsGivenUpOnAndTheAttemptLeftPossiblySent(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database); CapturedLogs logs = CapturedLogs.install()) {
            Bridge bridge = bridge(ledger, Duration.ofMillis(300));
            Attempt attempt = sent(bridge, "lost");
            bridge.failing().connectionsToRefuse.set(Integer.MAX_VALUE);

            LedgerException failure = assertThrows(LedgerException.class, () -> bridge.pushFailures().record(attempt, OWNER,
                    PushBoundaryTest.accepted("ws_CO_lost")));
            assertTrue(failure.getCause() instanceof SQLTransientConnectionException, failure.toString());
            assertTrue(bridge.failing().connectionsRefused.get() >= 2, "recorded again before giving up");
            assertEquals("PENDING_PUSH - final", PushBoundaryTest.outcome(ledger, "lost"));
            assertEquals(List.of(attempt.attemptId()), ledger.column(
                    "SELECT attempt_id FROM stk_attempt WHERE intent_id = 'lost' AND push_started_at IS NOT NULL"));
            assertEquals("", PushBoundaryTest.events(ledger, "lost"));
            List<String> givenUp = logs.linesContaining("was NOT recorded");
            assertEquals(1, givenUp.size(), logs.asText().toString());
            assertTrue(givenUp.get(0).contains("(phone 2547*****149)") && givenUp.get(0).contains("ws_CO_lost"), givenUp.get(0));
            assertEquals(List.of(), logs.linesContaining("254708374149"), "the phone number is masked");
        }
    }
}
