package io.stkbridge.ledger;

import io.stkbridge.outcome.OutcomeEvent;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Outcome events waiting to be published, oldest first, so that an attempt's ACCEPTED always precedes its final event. */
public class Outbox {

    private final Transactions transactions;
    private final Clock clock;
    private final int batchSize;

    public Outbox(Transactions transactions, Clock clock, int batchSize) {
        this.transactions = transactions;
        this.clock = clock;
        this.batchSize = batchSize;
    }

    public List<OutcomeEvent> unpublished() {
        return transactions.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(Sql.of("outbox-next-batch"))) {
                select.setInt(1, batchSize);
                List<OutcomeEvent> events = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        events.add(new OutcomeEvent(row.getString("event_id"), null, row.getString("event_key"),
                                row.getString("event_type"), row.getString("payload"),
                                row.getObject("occurred_at", OffsetDateTime.class)));
                    }
                }
                return events;
            }
        });
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

    public void markPublished(String eventId) {
        transactions.inTransaction(connection ->
                AttemptLedger.update(connection, Sql.of("outbox-mark-published"), OffsetDateTime.now(clock), eventId));
    }
}
