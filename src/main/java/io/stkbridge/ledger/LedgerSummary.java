package io.stkbridge.ledger;

import io.stkbridge.outcome.Status;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/** Counts for the support console's dashboard. */
public class LedgerSummary {

    /**
     * @param counts              attempts created in the range, by status and reason
     * @param waitingBeyondSweep  attempts still waiting for a result although older than the first sweep delay
     * @param oldestWaiting       the oldest of those, oldest first
     * @param outcomesByHour      final outcomes reached in the range, per hour and status
     */
    public record Summary(OffsetDateTime from, OffsetDateTime to, List<Count> counts, long waitingBeyondSweep,
                          List<Waiting> oldestWaiting, List<HourCount> outcomesByHour) {
    }

    public record Count(Status status, String reason, long count) {
    }

    public record Waiting(String attemptId, String orderId, Status status, OffsetDateTime createdAt) {
    }

    public record HourCount(OffsetDateTime hour, Status status, long count) {
    }

    private static final int OLDEST_SHOWN = 20;

    private final Transactions transactions;
    private final Clock clock;
    private final Duration sweepDelay;

    public LedgerSummary(Transactions transactions, Clock clock, Duration sweepDelay) {
        this.transactions = transactions;
        this.clock = clock;
        this.sweepDelay = sweepDelay;
    }

    public Duration sweepDelay() {
        return sweepDelay;
    }

    public Summary over(OffsetDateTime from, OffsetDateTime to) {
        OffsetDateTime waitingSince = OffsetDateTime.now(clock).minus(sweepDelay);
        return transactions.inTransaction(connection -> {
            List<Count> counts = Rows.select(connection, Sql.of("summary-by-status-reason"),
                    row -> new Count(Status.valueOf(row.getString(1)), row.getString(2), row.getLong(3)), from, to);
            long waiting = Rows.select(connection, Sql.of("summary-pending-count"), row -> row.getLong(1), waitingSince).get(0);
            List<Waiting> oldest = Rows.select(connection, Sql.of("summary-pending-oldest"),
                    row -> new Waiting(row.getString(1), row.getString(2), Status.valueOf(row.getString(3)),
                            row.getObject(4, OffsetDateTime.class)), waitingSince, OLDEST_SHOWN);
            List<HourCount> hours = Rows.select(connection, Sql.of("summary-outcomes-by-hour"),
                    row -> new HourCount(row.getObject(1, OffsetDateTime.class), Status.valueOf(row.getString(2)), row.getLong(3)),
                    from, to);
            return new Summary(from, to, counts, waiting, oldest, hours);
        });
    }
}
