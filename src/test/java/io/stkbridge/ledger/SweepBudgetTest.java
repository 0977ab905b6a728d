package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.TpsLimiter;
import io.stkbridge.outcome.OutcomeEvents;
import io.stkbridge.testing.FaultyDataSource;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The query backlog, and what one sweep claims: per shortcode, enough to top its queue up to what its query rate sends
 * until the next sweep and the headroom (here 20/s × (100 ms + 0) = 2), oldest first by acceptance however their next
 * query times fall, the shortcodes taking turns. On H2 and on PostgreSQL. The turns are real (a limiter on the system
 * clock, 50 ms apart); the ledger's time is the test's.
 */
class SweepBudgetTest {

    static final Merchants TWO_SHORTCODES = merchants("shop", "174379", "till", "600100");

    /** PayBill merchants, by name and shortcode. */
    static Merchants merchants(String... nameAndShortcode) {
        List<Merchant> merchants = new java.util.ArrayList<>();
        for (int i = 0; i < nameAndShortcode.length; i += 2) {
            String name = nameAndShortcode[i];
            String shortcode = nameAndShortcode[i + 1];
            merchants.add(new Merchant(name, shortcode, shortcode, Merchant.PAY_BILL, "key-" + name, "s", "pk", "", ""));
        }
        return new Merchants(merchants);
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void eachShortcodeGetsRateTimesIntervalOldestFirstTakingTurns(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            // a-1 is the oldest, but its retry falls due after the younger ones' first queries
            ledger.accepted("a-1", "shop", start.minusSeconds(50), start.minusSeconds(1), start.plusMinutes(8));
            ledger.accepted("a-2", "shop", start.minusSeconds(40), start.minusSeconds(9), start.plusMinutes(8));
            ledger.accepted("b-1", "till", start.minusSeconds(30), start.minusSeconds(8), start.plusMinutes(8));
            ledger.accepted("a-3", "shop", start.minusSeconds(20), start.minusSeconds(7), start.plusMinutes(8));
            ledger.accepted("b-2", "till", start.minusSeconds(10), start.minusSeconds(6), start.plusMinutes(8));
            StaleAttempts sweeper = new StaleAttempts(attempts(ledger, clock), TWO_SHORTCODES, turnsEvery50Ms(),
                    Duration.ofMillis(100), Duration.ZERO, 10, "instance-a");

            assertEquals(List.of("a-1", "b-1", "a-2", "b-2"), ids(queried(sweeper, sweeper.claimDue())));
            assertEquals(List.of("a-3"), ids(sweeper.claimDue()), "the shortcode's third waits for the next sweep");
        }
    }

    static final Merchants ONE_SHORTCODE = merchants("big", "174379", "small", "174379");

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void merchantsSharingAShortcodeShareItsBudgetFairlyOldestFirstWithinEach(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            // one merchant's backlog, all of it older than the other's three attempts
            for (int i = 1; i <= 30; i++) {
                ledger.accepted(String.format("big-%02d", i), "big", start.minusMinutes(60).plusSeconds(i),
                        start.minusSeconds(1), start.plusMinutes(8));
            }
            for (int i = 1; i <= 3; i++) {
                ledger.accepted("small-" + i, "small", start.minusMinutes(5).plusSeconds(i), start.minusSeconds(1),
                        start.plusMinutes(8));
            }
            StaleAttempts sweeper = new StaleAttempts(attempts(ledger, clock), ONE_SHORTCODE, turnsEvery50Ms(),
                    Duration.ofMillis(200), Duration.ZERO, 10, "instance-a");

            assertEquals(List.of("big-01", "small-1", "big-02", "small-2"), ids(queried(sweeper, sweeper.claimDue())),
                    "the shortcode's 4 (20/s × 200 ms), half each");
            assertEquals(List.of("big-03", "small-3", "big-04", "big-05"), ids(queried(sweeper, sweeper.claimDue())),
                    "what the small merchant leaves unused goes to the other");
            assertEquals(List.of("big-06", "big-07", "big-08", "big-09"), ids(sweeper.claimDue()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void eachSweepTopsTheQueueUpSoItNeverRunsDryBetweenSweeps(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            for (int i = 1; i <= 10; i++) {
                ledger.accepted(String.format("a-%02d", i), "shop", start.minusMinutes(10).plusSeconds(i),
                        start.minusSeconds(1), start.plusMinutes(8));
            }
            // 20/s × (100 ms until the next sweep + 100 ms headroom): a queue of 4
            StaleAttempts sweeper = new StaleAttempts(attempts(ledger, clock), TWO_SHORTCODES, turnsEvery50Ms(),
                    Duration.ofMillis(100), Duration.ofMillis(100), 10, "instance-a");

            List<Attempt> first = sweeper.claimDue();
            assertEquals(List.of("a-01", "a-02", "a-03", "a-04"), ids(first));
            queried(sweeper, first.subList(0, 2));
            assertEquals(List.of("a-05", "a-06"), ids(sweeper.claimDue()),
                    "the next sweep claims while two still wait for their turns: only as many as were queried");
            assertEquals(List.of(), ids(sweeper.claimDue()), "the queue is full");

            // a-03's callback came while it waited: it is not queried, and its place in the queue is free again
            ledger.execute("UPDATE stk_attempt SET status = 'SUCCEEDED', next_query_at = NULL WHERE attempt_id = 'a-03'");
            assertFalse(sweeper.takeSweepTurn(first.get(2)));
            assertEquals(List.of("a-07"), ids(sweeper.claimDue()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aSweepWhoseClaimFailedQueuedNothingAndLeavesTheQueueEmpty(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            for (int i = 1; i <= 10; i++) {
                ledger.accepted(String.format("big-%02d", i), "big", start.minusMinutes(60).plusSeconds(i),
                        start.minusSeconds(1), start.plusMinutes(8));
                ledger.accepted(String.format("small-%02d", i), "small", start.minusMinutes(30).plusSeconds(i),
                        start.minusSeconds(1), start.plusMinutes(8));
            }
            // the sweep's second connection is refused, as when the pool times out
            AtomicInteger connections = new AtomicInteger();
            DataSource failing = new FaultyDataSource(ledger.dataSource) {
                @Override
                public Connection getConnection() throws SQLException {
                    if (connections.incrementAndGet() == 2) {
                        throw new SQLTransientConnectionException("injected: the pool timed out", "08001");
                    }
                    return ledger.getConnection();
                }
            };
            AttemptLedger attempts = new AttemptLedger(new Transactions(failing, H2GroupCommit.forLedger(
                    ledger.dataSource.getJdbcUrl(), Duration.ZERO)), new OutcomeEvents(new ObjectMapper()), null,
                    new ObjectMapper(), clock, new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30),
                    Duration.ofMinutes(2), Duration.ofMinutes(8), Duration.ofMinutes(1), 5), "instance-a");
            // a queue of 4, half for each merchant: the big merchant's claim commits, the small one's cannot connect
            StaleAttempts sweeper = new StaleAttempts(attempts, ONE_SHORTCODE, turnsEvery50Ms(), Duration.ofMillis(200),
                    Duration.ZERO, 10, "instance-a");
            assertThrows(LedgerException.class, sweeper::claimDue);

            // the failed sweep queued nothing (its committed claims lapse), so the next one claims a whole queue
            assertEquals(List.of("big-03", "small-01", "big-04", "small-02"), ids(sweeper.claimDue()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theQueryBacklogIsWhatIsDueNowAndDrainsAtEachShortcodesRate(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            for (String[] attempt : new String[][] {{"a-1", "shop"}, {"a-2", "shop"}, {"a-3", "shop"}, {"b-1", "till"},
                    {"b-2", "till"}, {"c-1", "gone"}}) {
                ledger.accepted(attempt[0], attempt[1], start.minusMinutes(1), start.minusSeconds(1), start.plusMinutes(8));
            }
            ledger.accepted("a-4", "shop", start, start.plusSeconds(30), start.plusMinutes(8));
            StaleAttempts sweeper = new StaleAttempts(attempts(ledger, clock), TWO_SHORTCODES,
                    TpsLimiter.local("query", 2, clock), Duration.ofSeconds(5), Duration.ZERO, 10, "instance-a");

            // shop: 3 at 2 per second, till: 2 at the same time; "gone" is no longer configured and never queried
            assertEquals(new StaleAttempts.QueryBacklog(6, 1.5), sweeper.queryBacklog());
            sweeper.claimDue();
            assertEquals(new StaleAttempts.QueryBacklog(5, 1.5), sweeper.queryBacklog(),
                    "claimed is not yet queried; the orphan was set aside until its give-up time");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theSharedRateLimitsTableIsMigratedOnBothLedgers(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            ledger.execute("INSERT INTO stk_rate_limit_bucket (id, state) VALUES ('query:174379:5', NULL)");
            assertEquals(List.of("query:174379:5"), ledger.column("SELECT id FROM stk_rate_limit_bucket"));
        }
    }

    private static AttemptLedger attempts(TestLedger ledger, MovableClock clock) {
        return new AttemptLedger(ledger.transactions, new OutcomeEvents(new ObjectMapper()), null, new ObjectMapper(), clock,
                new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2),
                        Duration.ofMinutes(8), Duration.ofMinutes(1), 5), "instance-a");
    }

    /** Turns at 20 per second of real time: {@link StaleAttempts#takeSweepTurn} waits for them. */
    private static TpsLimiter turnsEvery50Ms() {
        return TpsLimiter.local("query", 20, Clock.systemUTC());
    }

    /** The claimed attempts, each given its turn as the sweep's queue does: their places in the queue are free again. */
    private static List<Attempt> queried(StaleAttempts sweeper, List<Attempt> claimed) throws InterruptedException {
        for (Attempt attempt : claimed) {
            assertTrue(sweeper.takeSweepTurn(attempt), attempt.attemptId() + " is still this instance's");
        }
        return claimed;
    }

    private static List<String> ids(List<Attempt> attempts) {
        return attempts.stream().map(Attempt::attemptId).toList();
    }
}
