package io.stkbridge.ledger;

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
import java.util.List;
import java.util.function.Supplier;

/**
 * Deletes attempts whose outcome was settled long ago: final, and every one of their outcome events published more than
 * the retention period ago. With them go their callbacks, queries and outbox rows. Callbacks that named no attempt
 * (disposition UNKNOWN_ATTEMPT: a callback for another system, or for an attempt already deleted) go once they are older
 * than the period. An attempt that still waits for a
 * result, or has an event not yet on Kafka, is never touched. Each batch is one transaction that locks its attempts with
 * SKIP LOCKED, so several instances purge side by side without waiting for each other, and a callback arriving for an
 * attempt being purged waits for the batch and then finds no attempt.
 */
public class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    /** A run stops after this many batches; the next run goes on. */
    static final int MAX_BATCHES_PER_RUN = 100;

    private final Transactions transactions;
    private final Clock clock;
    private final int days;
    private final int batchSize;

    public Retention(Transactions transactions, Clock clock, int days, int batchSize) {
        this.transactions = transactions;
        this.clock = clock;
        this.days = days;
        this.batchSize = batchSize;
    }

    public boolean enabled() {
        return days > 0;
    }

    /** One run: batches until none is full (or the per-run bound). Returns how many attempts were deleted. */
    public int purge() {
        if (!enabled()) {
            return 0;
        }
        OffsetDateTime cutoff = OffsetDateTime.now(clock).minus(Duration.ofDays(days));
        int deleted = inBatches(() -> purgeBatch(cutoff));
        if (deleted > 0) {
            LOG.info("Retention: deleted {} attempt(s) whose outcome was published before {} ({} days), with their "
                    + "callbacks, queries and outbox events", deleted, cutoff, days);
        }
        int unmatched = inBatches(() -> {
            int done = purgeUnmatchedCallbacks(cutoff);
            return new Batch(done, done);
        });
        if (unmatched > 0) {
            LOG.info("Retention: deleted {} callback(s) received before {} that named no attempt", unmatched, cutoff);
        }
        return deleted;
    }

    /** Batches until one is not full (or the per-run bound); returns how many rows they deleted. */
    private int inBatches(Supplier<Batch> batch) {
        int deleted = 0;
        for (int run = 0; run < MAX_BATCHES_PER_RUN; run++) {
            Batch done = batch.get();
            deleted += done.deleted();
            if (done.found() < batchSize) {
                break;
            }
        }
        return deleted;
    }

    /** How many rows a batch found due (and locked), and how many of them it deleted. */
    record Batch(int found, int deleted) {
    }

    /** Deletes up to one batch of attempts due before {@code cutoff}. */
    Batch purgeBatch(OffsetDateTime cutoff) {
        return transactions.inTransaction(connection -> {
            List<String> due = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(Sql.of("retention-due"))) {
                AttemptLedger.bind(select, cutoff, cutoff, batchSize);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(rows.getString(1));
                    }
                }
            }
            List<String> confirmed = new ArrayList<>();
            for (String attemptId : due) {
                // Checked again now that the row is locked: nothing that happened meanwhile is deleted unseen.
                if (stillDue(connection, attemptId, cutoff)) {
                    confirmed.add(attemptId);
                }
            }
            for (String table : List.of("retention-delete-callbacks", "retention-delete-queries",
                    "retention-delete-outbox", "retention-delete-phone-access", "retention-delete-attempt")) {
                delete(connection, Sql.of(table), confirmed);
            }
            return new Batch(due.size(), confirmed.size());
        });
    }

    /** Deletes up to one batch of callbacks that named no attempt, received before {@code cutoff}. */
    int purgeUnmatchedCallbacks(OffsetDateTime cutoff) {
        return transactions.inTransaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(Sql.of("retention-delete-unmatched-callbacks"))) {
                AttemptLedger.bind(delete, cutoff, batchSize);
                return delete.executeUpdate();
            }
        });
    }

    private static boolean stillDue(Connection connection, String attemptId, OffsetDateTime cutoff) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of("retention-still-due"))) {
            AttemptLedger.bind(select, attemptId, cutoff, cutoff);
            try (ResultSet row = select.executeQuery()) {
                return row.next() && row.getInt(1) == 1;
            }
        }
    }

    private static void delete(Connection connection, String sql, List<String> attemptIds) throws SQLException {
        if (attemptIds.isEmpty()) {
            return;
        }
        try (PreparedStatement delete = connection.prepareStatement(sql)) {
            for (String attemptId : attemptIds) {
                delete.setString(1, attemptId);
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }
}
