package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Retention deletes exactly the attempts whose outcome was published before the period, with their callbacks, queries
 * and events, and nothing that still waits or is not on Kafka yet. On H2 and on PostgreSQL.
 */
class RetentionTest {

    static final int DAYS = 90;

    /** Builds a ledger: which attempts are due and which must stay. */
    private static void fill(TestLedger ledger, OffsetDateTime now) {
        OffsetDateTime old = now.minusDays(DAYS + 10);
        OffsetDateTime recent = now.minusDays(DAYS - 10);
        for (int i = 0; i < 5; i++) {
            String id = "due-" + i;                              // settled and published long ago
            ledger.attempt(id, i % 2 == 0 ? "SUCCEEDED" : "UNKNOWN", old, old.plusMinutes(1));
            ledger.event(id, "order-" + id, old, old.plusSeconds(1));
            ledger.event(id, "order-" + id, old.plusMinutes(1), old.plusMinutes(1).plusSeconds(1));
            ledger.callback(id, old.plusMinutes(1));
            ledger.query(id, old.plusMinutes(1));
        }
        ledger.attempt("due-rejected", "REJECTED", old, old);
        ledger.event("due-rejected", "order-r", old, old);

        ledger.attempt("keep-unpublished", "FAILED", old, old.plusMinutes(1));      // its final event is not on Kafka
        ledger.event("keep-unpublished", "order-u", old, old.plusSeconds(1));
        ledger.event("keep-unpublished", "order-u", old.plusMinutes(1), null);
        ledger.callback("keep-unpublished", old.plusMinutes(1));

        ledger.attempt("keep-corrected", "SUCCEEDED", old, recent);               // a correction published recently
        ledger.event("keep-corrected", "order-c", old, old);
        ledger.event("keep-corrected", "order-c", recent, recent);

        ledger.attempt("keep-waiting", "ACCEPTED", old, null);                    // still waits for its result
        ledger.event("keep-waiting", "order-w", old, old.plusSeconds(1));
        ledger.query("keep-waiting", old.plusMinutes(1));

        ledger.attempt("keep-deferred", "DEFERRED", old, null);

        ledger.attempt("keep-recent", "FAILED", recent, recent);                  // settled within the period
        ledger.event("keep-recent", "order-n", recent, recent.plusSeconds(1));

        for (int i = 0; i < 3; i++) {                            // callbacks that named no attempt
            ledger.callback("no-such-attempt-old-" + i, old, "UNKNOWN_ATTEMPT");
        }
        ledger.callback("no-such-attempt-recent", recent, "UNKNOWN_ATTEMPT");
    }

    private static List<String> attempts(TestLedger ledger) {
        return ledger.column("SELECT attempt_id FROM stk_attempt ORDER BY attempt_id");
    }

    private static final List<String> KEPT = List.of("keep-corrected", "keep-deferred", "keep-recent", "keep-unpublished",
            "keep-waiting");

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void deletesOnlySettledAttemptsPublishedBeforeThePeriodWithTheirRows(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            fill(ledger, clock.offsetNow());
            PhoneAccess phoneAccess = new PhoneAccess(ledger.transactions, clock);
            for (String id : List.of("due-0", "keep-waiting")) {
                phoneAccess.reveal(id, "amina").orElseThrow();
            }
            Retention retention = new Retention(ledger.transactions, clock, DAYS, 2);   // several batches

            assertEquals(6, retention.purge());
            assertEquals(List.of("keep-waiting"), ledger.column("SELECT attempt_id FROM stk_phone_access"),
                    "who saw a deleted attempt's phone number goes with it");
            assertEquals(KEPT, attempts(ledger));
            assertEquals(List.of("keep-corrected", "keep-corrected", "keep-recent", "keep-unpublished", "keep-unpublished",
                    "keep-waiting"), ledger.column("SELECT attempt_id FROM stk_outbox ORDER BY attempt_id"));
            assertEquals(List.of("keep-unpublished", "no-such-attempt-recent"),
                    ledger.column("SELECT attempt_id FROM stk_callback ORDER BY attempt_id"),
                    "callbacks that named no attempt go after the period too (3, in batches of 2)");
            assertEquals(List.of("keep-waiting"), ledger.column("SELECT attempt_id FROM stk_query"));
            assertEquals(0, retention.purge(), "nothing more is due");

            // once the last event is on Kafka and the period has passed, it goes too
            ledger.execute("UPDATE stk_outbox SET published_at = ? WHERE published_at IS NULL", clock.offsetNow());
            clock.advance(Duration.ofDays(DAYS + 1));
            assertEquals(3, retention.purge());
            assertEquals(List.of("keep-deferred", "keep-waiting"), attempts(ledger));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void zeroDaysKeepsEverything(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            fill(ledger, clock.offsetNow());
            assertEquals(0, new Retention(ledger.transactions, clock, 0, 10).purge());
            assertEquals(11, attempts(ledger).size());
        }
    }

    /** Several instances purging at once share the work without errors and delete each attempt once. */
    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void instancesPurgingAtOnceShareTheWork(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime old = clock.offsetNow().minusDays(DAYS + 1);
            int due = 400;
            for (int i = 0; i < due; i++) {
                String id = String.format("p-%04d", i);
                ledger.attempt(id, "SUCCEEDED", old, old);
                ledger.event(id, "order-" + id, old, old);
                ledger.callback(id, old);
            }
            ledger.attempt("keep-waiting", "ACCEPTED", old, null);
            ExecutorService instances = Executors.newFixedThreadPool(3);
            try {
                List<Future<Integer>> runs = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Retention retention = new Retention(ledger.transactions, clock, DAYS, 25);
                    runs.add(instances.submit(retention::purge));
                }
                int deleted = 0;
                for (Future<Integer> run : runs) {
                    deleted += run.get(60, TimeUnit.SECONDS);
                }
                assertEquals(due, deleted, "each attempt deleted once, by one instance");
            } finally {
                instances.shutdownNow();
            }
            assertEquals(List.of("keep-waiting"), attempts(ledger));
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_callback"));
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_outbox"));
        }
    }
}
