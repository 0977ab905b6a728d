package io.stkbridge.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/** Everything the ledger knows about one attempt, for the support console's timeline. */
public class AttemptHistory {

    /**
     * The attempt and what happened to it, each list oldest first, including who saw its full phone number or found it
     * by the number. The push request is stored without its secrets.
     */
    public record History(Attempt attempt, String intentJson, String pushRequestJson, OffsetDateTime pushAnsweredAt,
                          OffsetDateTime resolvedAt, OffsetDateTime nextQueryAt, int queryCount,
                          OffsetDateTime deferredSince, OffsetDateTime nextPushAt, Integer pushAnswerStatus,
                          String pushAnswer, String darajaRequestId, List<Callback> callbacks, List<Query> queries,
                          List<Event> events, List<PhoneAccess.Access> phoneAccess) {
    }

    public record Callback(OffsetDateTime receivedAt, String resultCode, String disposition, String rawBody) {
    }

    public record Query(OffsetDateTime requestedAt, Integer httpStatus, String answer, String interpretation, String trigger) {
    }

    public record Event(String eventId, String type, String payload, OffsetDateTime occurredAt, OffsetDateTime publishedAt) {
    }

    private final Transactions transactions;

    public AttemptHistory(Transactions transactions) {
        this.transactions = transactions;
    }

    /** The attempt with this attempt id or CheckoutRequestID. */
    public Optional<History> of(String attemptIdOrCheckoutRequestId) {
        return transactions.inTransaction(connection -> {
            Optional<Attempt> attempt = AttemptLedger.loadByAttemptOrCheckoutId(connection, attemptIdOrCheckoutRequestId);
            if (attempt.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(history(connection, attempt.get()));
        });
    }

    private static History history(Connection connection, Attempt attempt) throws SQLException {
        String id = attempt.attemptId();
        try (PreparedStatement select = connection.prepareStatement(Sql.of("attempt-history"))) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return new History(attempt, row.getString("intent_json"), row.getString("push_request_json"),
                        row.getObject("push_answered_at", OffsetDateTime.class),
                        row.getObject("resolved_at", OffsetDateTime.class),
                        row.getObject("next_query_at", OffsetDateTime.class), row.getInt("query_count"),
                        row.getObject("deferred_since", OffsetDateTime.class),
                        row.getObject("next_push_at", OffsetDateTime.class),
                        (Integer) row.getObject("push_answer_status"), row.getString("push_answer"),
                        row.getString("daraja_request_id"),
                        callbacks(connection, id), queries(connection, id), events(connection, id),
                        PhoneAccess.of(connection, id));
            }
        }
    }

    private static List<Callback> callbacks(Connection connection, String attemptId) throws SQLException {
        return Rows.select(connection, Sql.of("callbacks-for-attempt"), row -> new Callback(row.getObject(1, OffsetDateTime.class),
                row.getString(2), row.getString(3), row.getString(4)), attemptId);
    }

    private static List<Query> queries(Connection connection, String attemptId) throws SQLException {
        return Rows.select(connection, Sql.of("queries-for-attempt"), row -> new Query(row.getObject(1, OffsetDateTime.class),
                row.getObject(2) == null ? null : row.getInt(2), row.getString(3), row.getString(4), row.getString(5)), attemptId);
    }

    private static List<Event> events(Connection connection, String attemptId) throws SQLException {
        return Rows.select(connection, Sql.of("outbox-for-attempt"), row -> new Event(row.getString(1), row.getString(2),
                row.getString(3), row.getObject(4, OffsetDateTime.class), row.getObject(5, OffsetDateTime.class)), attemptId);
    }
}
