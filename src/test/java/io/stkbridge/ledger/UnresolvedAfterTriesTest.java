package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.QueryAnswer;
import io.stkbridge.outcome.OutcomeEvents;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ConnectException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * UNKNOWN {@code UNRESOLVED} only after real tries: an attempt long past its give-up time (the sweeper was not running,
 * then Daraja could not be reached or kept answering "being processed") stays ACCEPTED and is queried again until it
 * was queried STK_QUERY_MIN_TRIES_BEFORE_UNRESOLVED times. On H2 and on PostgreSQL.
 */
class UnresolvedAfterTriesTest {

    static final Duration GIVE_UP = Duration.ofMinutes(8);
    static final Duration RETRY_MAX = Duration.ofMinutes(2);
    static final int MIN_TRIES = 5;
    static final QueryAnswer BEING_PROCESSED = QueryAnswer.read(500,
            "{\"errorCode\":\"500.001.1001\",\"errorMessage\":\"The transaction is being processed\"}", null);

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAttemptLongPastItsGiveUpTimeIsUnresolvedOnlyOnceItWasQueriedTheConfiguredNumberOfTimes(String database)
            throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime acceptedAt = clock.offsetNow();
            ledger.accepted("a-1", "shop", acceptedAt, acceptedAt.plusSeconds(30), acceptedAt.plus(GIVE_UP));
            AttemptLedger attempts = new AttemptLedger(ledger.transactions, new OutcomeEvents(new ObjectMapper()), null,
                    new ObjectMapper(), clock, new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), RETRY_MAX,
                    GIVE_UP, Duration.ofMinutes(1), MIN_TRIES), "instance-a");

            // the sweeper did not run for an hour: time alone decides nothing
            clock.advance(Duration.ofHours(1));
            assertEquals("ACCEPTED", ledger.value("SELECT status FROM stk_attempt WHERE attempt_id = 'a-1'"));

            for (int tries = 1; tries <= MIN_TRIES; tries++) {
                List<Attempt> due = attempts.claimDueForQuery(10, "instance-a", attempt -> true, attempt -> true);
                assertEquals(List.of("a-1"), due.stream().map(Attempt::attemptId).toList(),
                        "still queried after " + (tries - 1) + " tries");
                if (tries % 2 == 1) {
                    attempts.recordQueryFailure(due.get(0), new ConnectException("Daraja unreachable"), "SWEEP");
                } else {
                    attempts.recordQueryAnswer(due.get(0), BEING_PROCESSED, "SWEEP");
                }
                String expected = tries < MIN_TRIES ? "ACCEPTED null" : "UNKNOWN UNRESOLVED";
                assertEquals(expected, ledger.value("SELECT status || ' ' || COALESCE(reason, 'null') FROM stk_attempt "
                        + "WHERE attempt_id = 'a-1'"), "after " + tries + " tries");
                assertEquals(tries < MIN_TRIES ? "0" : "1", ledger.value("SELECT COUNT(*) FROM stk_outbox"),
                        "a final event only once given up");
                clock.advance(RETRY_MAX);
            }
        }
    }
}
