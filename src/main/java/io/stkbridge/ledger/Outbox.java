package io.stkbridge.ledger;

import io.stkbridge.outcome.OutcomeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Outcome events waiting to be published. Each relay poll claims a batch for this instance (a lease, rows locked with
 * SKIP LOCKED), so several instances never publish the same event at once, and a dead instance's claims pass to the
 * others when they expire. Within a claim, events go oldest first. An event is claimed only when every older unpublished
 * event with the same key (orderId) is claimed by this instance too, so per key the events reach Kafka in the order the
 * ledger recorded them, whichever instance publishes them: an intent's ACCEPTED always precedes its final event.
 */
public class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    static final int CHUNK = 500;

    private final Transactions transactions;
    private final Clock clock;
    private final int batchSize;
    private final Duration lease;
    private final String instanceId;

    /** Batches the relay claims one after the other in one poll while the outbox holds more than a batch. */
    static final int MAX_BATCHES_PER_POLL = 20;

    /** When this batch's claim stops being fresh enough to start publishing (read by the relay thread only). */
    private volatile OffsetDateTime publishBefore = OffsetDateTime.MIN;
    private volatile boolean claimLapsed;
    private volatile boolean lastBatchFull;

    public Outbox(Transactions transactions, Clock clock, int batchSize, Duration lease, String instanceId) {
        this.transactions = transactions;
        this.clock = clock;
        this.batchSize = batchSize;
        this.lease = lease;
        this.instanceId = instanceId;
    }

    private record Row(long outboxId, OutcomeEvent event) {
    }

    /**
     * Claims the next batch for this instance, oldest first, for the lease. Rows another instance holds (or is claiming
     * right now) are skipped, and so is every newer row with the same key as one of them.
     */
    public List<OutcomeEvent> claimBatch() {
        OffsetDateTime now = now();
        List<OutcomeEvent> claimed = transactions.inTransaction(connection -> {
            List<Row> candidates = candidates(connection, now);
            lastBatchFull = candidates.size() >= batchSize;
            if (candidates.isEmpty()) {
                return List.<OutcomeEvent>of();
            }
            Map<String, Long> heldElsewhere = olderHeldElsewhere(connection, candidates);
            List<OutcomeEvent> events = new ArrayList<>();
            try (PreparedStatement claim = connection.prepareStatement(Sql.of("outbox-claim"))) {
                for (Row row : candidates) {
                    Long held = heldElsewhere.get(row.event().key());
                    if (held != null && held < row.outboxId()) {
                        continue;           // an older event of this orderId is another instance's: it goes first
                    }
                    AttemptLedger.bind(claim, now.plus(lease), instanceId, row.outboxId());
                    claim.addBatch();
                    events.add(row.event());
                }
                if (!events.isEmpty()) {
                    claim.executeBatch();
                }
            }
            return events;
        });
        // publishing starts only while at least half of the lease is left, so it ends long before another may take over
        publishBefore = now.plus(lease.dividedBy(2));
        claimLapsed = false;
        return claimed;
    }

    /**
     * Whether the relay claims another batch in this poll: always the first ({@code lastRound} null), then, while the
     * last batch was full (a backlog), up to {@value #MAX_BATCHES_PER_POLL} batches, without waiting for the next poll.
     *
     * @param lastRound the loop index of the batch just relayed, null before the first
     */
    public boolean claimAnother(Integer lastRound) {
        return lastRound == null || (lastBatchFull && lastRound + 1 < MAX_BATCHES_PER_POLL);
    }

    /**
     * True once the current batch's claim is too old to start publishing another event; it stays true for the rest of
     * the batch, so a later event of an orderId is never published without the earlier ones. The rest of the batch is
     * still this instance's and is claimed again at the next poll.
     */
    public boolean claimLapsed() {
        if (!claimLapsed && now().isAfter(publishBefore)) {
            claimLapsed = true;
            LOG.info("Outbox: half of the {} ms claim has passed; the rest of the batch waits for the next poll", lease.toMillis());
        }
        return claimLapsed;
    }

    private List<Row> candidates(Connection connection, OffsetDateTime now) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of("outbox-claimable"))) {
            AttemptLedger.bind(select, now, instanceId, batchSize);
            List<Row> rows = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.add(new Row(row.getLong("outbox_id"), new OutcomeEvent(row.getString("event_id"), null,
                            row.getString("event_key"), row.getString("event_type"), row.getString("payload"),
                            row.getObject("occurred_at", OffsetDateTime.class), row.getString("trace_parent"),
                            row.getString("trace_state"))));
                }
            }
            return rows;
        }
    }

    /**
     * Per key, the oldest unpublished event older than the newest candidate that is not among the candidates: held by
     * another instance (claimed, or locked by a claim not yet committed) and so to be published by it first.
     */
    private static Map<String, Long> olderHeldElsewhere(Connection connection, List<Row> candidates) throws SQLException {
        Set<Long> mine = new HashSet<>();
        long newest = 0;
        for (Row row : candidates) {
            mine.add(row.outboxId());
            newest = Math.max(newest, row.outboxId());
        }
        Map<String, Long> held = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(Sql.of("outbox-unpublished-before"))) {
            select.setLong(1, newest);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    long outboxId = row.getLong(1);
                    if (!mine.contains(outboxId)) {
                        held.merge(row.getString(2), outboxId, Math::min);
                    }
                }
            }
        }
        return held;
    }

    /** Outcome events committed but not yet published. */
    public long backlog() {
        return transactions.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(Sql.of("outbox-backlog"));
                 ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        });
    }

    /**
     * A claimed batch in chunks of at most {@value #CHUNK} events, each published in one Kafka send and marked in one
     * transaction. A batch of the default size is one chunk (each ledger transaction waits for a pooled connection behind
     * the intake's, so the relay takes as few as it can); a larger batch gets a lease check between its chunks, so a slow
     * broker cannot make it outlive its claim.
     */
    public List<List<OutcomeEvent>> inChunks(List<OutcomeEvent> batch) {
        List<List<OutcomeEvent>> chunks = new ArrayList<>();
        for (int from = 0; from < batch.size(); from += CHUNK) {
            chunks.add(batch.subList(from, Math.min(batch.size(), from + CHUNK)));
        }
        return chunks;
    }

    /** Kafka acknowledged every event of the chunk: marked in one transaction, one JDBC batch. The first acknowledgement's time is kept. */
    public void markAllPublished(List<OutcomeEvent> events) {
        transactions.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(Sql.of("outbox-mark-published"))) {
                OffsetDateTime now = now();
                for (OutcomeEvent event : events) {
                    AttemptLedger.bind(update, now, event.eventId());
                    update.addBatch();
                }
                update.executeBatch();
            }
            return null;
        });
    }

    /** 0 rows is fine: the event was marked already (a relay re-sent it after its claim lapsed), and the first mark stands. */
    public void markPublished(String eventId) {
        transactions.inTransaction(connection ->
                AttemptLedger.update(connection, Sql.of("outbox-mark-published"), now(), eventId));
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }
}
