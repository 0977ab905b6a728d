package io.stkbridge.ledger;

import io.stkbridge.intent.PhoneNumbers;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * Who saw a customer's full phone number, or found a customer's attempts by the number: the API shows numbers masked,
 * and these are the only ways past the mask. Each is recorded with the attempt, in the transaction that reads the
 * number, so no number leaves without its record; the attempt's timeline shows the records to every reader.
 */
public class PhoneAccess {

    public enum Kind {
        /** The full number shown on request ({@code POST /api/attempts/{id}/reveal}). */
        REVEAL,
        /** The attempt found by a search for its (full) phone number. */
        PHONE_SEARCH
    }

    public record Access(OffsetDateTime at, String by, Kind kind, String phoneMasked) {
    }

    /** The attempt's full phone number, and when its showing was recorded. */
    public record Revealed(Attempt attempt, String phoneNumber, OffsetDateTime at) {
    }

    private final Transactions transactions;
    private final Clock clock;

    public PhoneAccess(Transactions transactions, Clock clock) {
        this.transactions = transactions;
        this.clock = clock;
    }

    /** The full phone number of the attempt (by attempt id or CheckoutRequestID), recorded as shown to {@code by}. */
    public Optional<Revealed> reveal(String attemptIdOrCheckoutRequestId, String by) {
        return transactions.inTransaction(connection -> {
            Optional<Attempt> attempt = AttemptLedger.loadByAttemptOrCheckoutId(connection, attemptIdOrCheckoutRequestId);
            if (attempt.isEmpty()) {
                return Optional.empty();
            }
            OffsetDateTime now = OffsetDateTime.now(clock);
            String phone = attempt.get().phoneNumber();
            record(connection, attempt.get().attemptId(), now, by, Kind.REVEAL, phone);
            return Optional.of(new Revealed(attempt.get(), phone, now));
        });
    }

    /** Records that a search for {@code phone} by {@code by} found these attempts. */
    public void searched(List<String> attemptIds, String phone, String by) {
        if (attemptIds.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        transactions.inTransaction(connection -> {
            for (String attemptId : attemptIds) {
                record(connection, attemptId, now, by, Kind.PHONE_SEARCH, phone);
            }
            return null;
        });
    }

    static List<Access> of(Connection connection, String attemptId) throws SQLException {
        return Rows.select(connection, Sql.of("phone-access-for-attempt"), row -> new Access(
                row.getObject(1, OffsetDateTime.class), row.getString(2), Kind.valueOf(row.getString(3)), row.getString(4)),
                attemptId);
    }

    private static void record(Connection connection, String attemptId, OffsetDateTime at, String by, Kind kind,
                               String phone) throws SQLException {
        AttemptLedger.update(connection, Sql.of("phone-access-insert"), attemptId, at, by, kind.name(), PhoneNumbers.mask(phone));
    }
}
