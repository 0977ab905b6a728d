package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.TpsLimiter;
import io.stkbridge.outcome.OutcomeEvents;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A merchant removed from STK_MERCHANTS_FILE while it has attempts open. The sweeper keeps querying the other merchants'
 * attempts; accepted orphans wait for their callback until their give-up time and then become UNKNOWN
 * {@code UNRESOLVED} with the reason, never FAILED or SUCCEEDED. Deferred orphans (provably never sent) are FAILED
 * {@code PUSH_FAILED}, retryable, instead of being pushed. On H2 and on PostgreSQL.
 */
class RemovedMerchantTest {

    static final Duration GIVE_UP = Duration.ofMinutes(8);

    /** The merchants configured now: "gone" was removed. */
    static final Merchants ONLY_SHOP = new Merchants(List.of(
            new Merchant("shop", "174379", "174379", Merchant.PAY_BILL, "key-shop", "s", "pk", "", "")));

    private static AttemptLedger attempts(TestLedger ledger, MovableClock clock) {
        return new AttemptLedger(ledger.transactions, new OutcomeEvents(new ObjectMapper()), null, new ObjectMapper(), clock,
                new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), GIVE_UP,
                        Duration.ofMinutes(1), 5), "instance-a");
    }

    /** An ACCEPTED attempt of the merchant whose first query is due now. */
    private static void accepted(TestLedger ledger, String attemptId, String merchant, OffsetDateTime acceptedAt) {
        ledger.accepted(attemptId, merchant, acceptedAt, acceptedAt.plusSeconds(30), acceptedAt.plus(GIVE_UP));
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theOtherMerchantsAreSweptAndTheOrphansEndUnknownAtTheirGiveUpTime(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            // the removed merchant's attempts are the oldest, so they come first in every sweep
            accepted(ledger, "gone-1", "gone", start.minusSeconds(2));
            accepted(ledger, "gone-2", "gone", start.minusSeconds(1));
            accepted(ledger, "kept-1", "shop", start);
            StaleAttempts sweeper = new StaleAttempts(attempts(ledger, clock), ONLY_SHOP,
                    TpsLimiter.local("query", 50, clock), Duration.ofMillis(40), Duration.ZERO, 2, "instance-a");
            clock.advance(Duration.ofMinutes(1));

            // one sweep: the configured merchant's attempt is claimed, the orphans are set aside without failing it
            assertEquals(List.of("kept-1"), sweeper.claimDue().stream().map(Attempt::attemptId).toList());
            assertEquals(List.of("ACCEPTED", "ACCEPTED"), ledger.column(
                    "SELECT status FROM stk_attempt WHERE merchant = 'gone' ORDER BY attempt_id"), "left waiting for their callback");
            assertEquals(List.of(), sweeper.claimDue(), "the orphans are not due before their give-up time");
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_outbox"));

            clock.advance(GIVE_UP);
            // two sweeps (kept-1, still waiting, is claimed again after its lease): the orphans are past their give-up
            List<String> claimed = new java.util.ArrayList<>();
            sweeper.claimDue().forEach(a -> claimed.add(a.attemptId()));
            sweeper.claimDue().forEach(a -> claimed.add(a.attemptId()));
            assertEquals(List.of("kept-1"), claimed, "only the configured merchant's attempt is ever claimed");
            List<String> gone = ledger.column("SELECT status || ' ' || reason || ' ' || source FROM stk_attempt "
                    + "WHERE merchant = 'gone' ORDER BY attempt_id");
            assertEquals(List.of("UNKNOWN UNRESOLVED QUERY", "UNKNOWN UNRESOLVED QUERY"), gone);
            assertTrue(ledger.value("SELECT result_desc FROM stk_attempt WHERE attempt_id = 'gone-1'")
                    .contains("'gone' is no longer configured"));
            assertEquals(List.of("gone-1", "gone-2"), ledger.column("SELECT attempt_id FROM stk_outbox ORDER BY attempt_id"),
                    "one final event each");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aDeferredAttemptOfARemovedMerchantIsFailedAsNeverSentAndTheOthersArePushed(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime start = clock.offsetNow();
            for (String[] deferred : new String[][] {{"gone-deferred", "gone"}, {"kept-deferred", "shop"}}) {
                ledger.attempt(deferred[0], "DEFERRED", start, null);
                ledger.execute("UPDATE stk_attempt SET merchant = ?, amount = 10, phone_number = '254708374149', "
                        + "reason = 'DARAJA_UNAVAILABLE', next_push_at = ? WHERE attempt_id = ?", deferred[1],
                        deferred[0].startsWith("gone") ? start.minusSeconds(1) : start, deferred[0]);
            }
            DeferredPushes pushes = new DeferredPushes(attempts(ledger, clock), new io.stkbridge.daraja.DarajaOutage(clock,
                    Duration.ofSeconds(15), Duration.ofMinutes(30)), ONLY_SHOP, 10);
            clock.advance(Duration.ofSeconds(1));

            assertEquals(List.of("kept-deferred"), pushes.claimDue().stream().map(Attempt::attemptId).toList(),
                    "only the configured merchant's attempt is pushed");
            assertEquals("FAILED PUSH_FAILED PUSH true", ledger.value("SELECT status || ' ' || reason || ' ' || source || ' ' "
                    + "|| CASE WHEN retryable THEN 'true' ELSE 'false' END FROM stk_attempt WHERE attempt_id = 'gone-deferred'"));
            assertTrue(ledger.value("SELECT result_desc FROM stk_attempt WHERE attempt_id = 'gone-deferred'")
                    .contains("'gone' is no longer configured"));
            assertEquals(List.of("gone-deferred"), ledger.column("SELECT attempt_id FROM stk_outbox"), "its one final event");
        }
    }
}
