package io.stkbridge.daraja;

import io.stkbridge.testing.FaultyDataSource;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.testing.MovableClock;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PostgresSchemas;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-shortcode limiter: evenly spaced turns (no burst), in this process or shared through PostgreSQL by several
 * instances, reserved turns ahead of spare ones, and nothing let through while its store fails.
 */
class TpsLimiterTest {

    @Test
    void eachShortcodeHasItsOwnBucketAndAMerchantMayHaveItsOwnLimit() throws Exception {
        MovableClock clock = new MovableClock();
        TpsLimiter limiter = TpsLimiter.local("push", 5, Map.of("600100", 1.0), clock);

        assertTrue(limiter.tryAcquire("600100"));
        assertTrue(limiter.tryAcquire("600200"), "another shortcode, another bucket");
        clock.advance(Duration.ofMillis(200));
        assertFalse(limiter.tryAcquire("600100"), "the merchant's pushTps of 1");
        assertTrue(limiter.tryAcquire("600200"), "the default of 5 for others");
        assertEquals(1.0, limiter.perSecond("600100"));
        assertEquals(5.0, limiter.perSecond("600200"));
    }

    @Test
    void anEvenlySpacedLimiterHandsOutOnePermitPerIntervalEvenAfterAnIdleSpell() throws Exception {
        MovableClock clock = new MovableClock();
        TpsLimiter limiter = TpsLimiter.local("query", 5, clock);

        clock.advance(Duration.ofSeconds(10));
        assertTrue(limiter.tryAcquire("600100"));
        assertFalse(limiter.tryAcquire("600100"), "no burst saved up while idle");
        clock.advance(Duration.ofMillis(199));
        assertFalse(limiter.tryAcquire("600100"));
        clock.advance(Duration.ofMillis(1));
        assertTrue(limiter.tryAcquire("600100"), "one every 200 ms at 5 per second");
        assertFalse(limiter.tryAcquire("600100"));
    }

    @Test
    void aReservedTurnGoesAheadOfSpareOnes() throws Exception {
        MovableClock clock = new MovableClock();
        TpsLimiter limiter = TpsLimiter.local("query", 5, clock);

        assertTrue(limiter.tryAcquire("600100"));
        limiter.acquire("600100");          // the next turn, reserved: it returns once its turn has come (200 ms)
        clock.advance(Duration.ofMillis(200));
        assertFalse(limiter.tryAcquire("600100"), "the turn that came was the reserved one's");
        clock.advance(Duration.ofMillis(200));
        assertTrue(limiter.tryAcquire("600100"));
    }

    @Test
    void aSpareTurnIsReservedAheadSoThatTheCallersLatencyCostsNoTurn() throws Exception {
        MovableClock clock = new MovableClock();
        spareTurnReservedAhead(TpsLimiter.local("query", 5, clock), clock);
    }

    @Test
    void aSpareTurnIsReservedAheadOnAPostgresqlLedgerToo() throws Exception {
        try (PostgresSchemas pg = PostgresSchemas.createOrSkip(); HikariDataSource ledger = migrated(pg)) {
            MovableClock clock = new MovableClock();
            spareTurnReservedAhead(TpsLimiter.shared("query", ledger, 5, Map.of(), clock, Duration.ofSeconds(5)), clock);
        }
    }

    /**
     * The bucket's clock stands still: a spare turn that is taken only once it has come is never taken, while one
     * reserved as soon as nobody holds the next turn is (the caller then sleeps the 200 ms until it comes, in real time).
     */
    private static void spareTurnReservedAhead(TpsLimiter limiter, MovableClock clock) throws Exception {
        assertTrue(limiter.tryAcquire("174379"), "the turn at 0 ms");
        Thread sweep = new Thread(() -> {
            try {
                limiter.acquireSpare("174379");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sweep.start();
        try {
            OutcomeCollector.await(Duration.ofSeconds(30), "the sweep to reserve the turn at 200 ms before it came",
                    () -> !sweep.isAlive());
        } finally {
            sweep.interrupt();
        }
        clock.advance(Duration.ofMillis(200));
        assertFalse(limiter.tryAcquire("174379"), "the turn at 200 ms was the sweep's");
        clock.advance(Duration.ofMillis(200));
        assertTrue(limiter.tryAcquire("174379"), "none saved up: the next is at 400 ms");
    }

    @Test
    void twoInstancesOnOnePostgresqlLedgerShareOneRate() throws Exception {
        try (PostgresSchemas pg = PostgresSchemas.createOrSkip(); HikariDataSource a = migrated(pg); HikariDataSource b = migrated(pg)) {
            MovableClock clock = new MovableClock();
            TpsLimiter first = TpsLimiter.shared("push", a, 5, Map.of("600100", 2.0), clock, Duration.ofSeconds(5));
            TpsLimiter second = TpsLimiter.shared("push", b, 5, Map.of("600100", 2.0), clock, Duration.ofSeconds(5));

            assertTrue(first.tryAcquire("174379"));
            assertFalse(second.tryAcquire("174379"), "the other instance's turn counts");
            clock.advance(Duration.ofMillis(200));
            assertTrue(second.tryAcquire("174379"));
            assertFalse(first.tryAcquire("174379"));

            assertTrue(second.tryAcquire("600100"), "a merchant's own rate, shared too");
            clock.advance(Duration.ofMillis(200));
            assertFalse(first.tryAcquire("600100"), "2 per second: one every 500 ms");

            assertTrue(first.tryAcquire("174379"));
            second.acquire("174379");       // reserved by one instance: the next turn is not the other's to take
            clock.advance(Duration.ofMillis(200));
            assertFalse(first.tryAcquire("174379"));
            clock.advance(Duration.ofMillis(200));
            assertTrue(first.tryAcquire("174379"));
            assertEquals("1", pg.value("SELECT COUNT(*) FROM " + pg.schema() + ".stk_rate_limit_bucket WHERE id = 'push:174379:5'"));
        }
    }

    @Test
    void whileItsStoreFailsATurnIsTriedAgainAndThenRefusedNeverGiven() throws Exception {
        try (PostgresSchemas pg = PostgresSchemas.createOrSkip(); HikariDataSource ledger = migrated(pg)) {
            Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
            FailingFirst briefOutage = new FailingFirst(ledger, 3);
            TpsLimiter limiter = TpsLimiter.shared("push", briefOutage, 5, Map.of(), fixed, Duration.ofSeconds(30));
            limiter.acquire("174379");
            assertTrue(briefOutage.calls.get() > 3, "tried again until the ledger answered");

            FailingFirst outage = new FailingFirst(ledger, Integer.MAX_VALUE);
            TpsLimiter cutOff = TpsLimiter.shared("query", outage, 5, Map.of(), fixed, Duration.ofMillis(300));
            assertThrows(TpsLimiter.RateLimitUnavailableException.class, () -> cutOff.acquire("174379"));
            assertThrows(TpsLimiter.RateLimitUnavailableException.class, () -> cutOff.acquireSpare("174379"));
            assertTrue(outage.calls.get() > 2, "tried again meanwhile");
        }
    }

    private static HikariDataSource migrated(PostgresSchemas pg) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.appUrl());
        config.setUsername(pg.user());
        config.setPassword(pg.password());
        config.setMaximumPoolSize(2);
        HikariDataSource dataSource = new HikariDataSource(config);
        Flyway.configure().dataSource(dataSource).load().migrate();
        return dataSource;
    }

    /** A ledger whose first {@code failures} connections are refused, as while PostgreSQL is down. */
    private static final class FailingFirst extends FaultyDataSource {
        final AtomicInteger calls = new AtomicInteger();
        private final int failures;

        FailingFirst(DataSource ledger, int failures) {
            super(ledger);
            this.failures = failures;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (calls.incrementAndGet() <= failures) {
                throw new SQLTransientConnectionException("ledger down (test)");
            }
            return ledger.getConnection();
        }
    }
}
