package io.stkbridge.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.PushAnswer;
import io.stkbridge.daraja.ResultCodes;
import io.stkbridge.daraja.StkCallback;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.InvalidIntentException;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.intent.PhoneNumbers;
import io.stkbridge.outcome.OutcomeEvent;
import io.stkbridge.outcome.OutcomeEvents;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Source;
import io.stkbridge.outcome.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The attempts, their callbacks (inbox) and their outcome events (outbox). Every state change and the event it decides
 * are committed in one transaction, so an outcome can neither be lost nor published for a change that did not happen.
 */
public class AttemptLedger {

    /** What became of a callback. */
    public enum CallbackDisposition {
        APPLIED, WAITING_FOR_PUSH_ANSWER, ALREADY_FINAL, CHECKOUT_MISMATCH, UNKNOWN_ATTEMPT, STILL_PROCESSING
    }

    private static final Logger LOG = LoggerFactory.getLogger(AttemptLedger.class);

    private final Transactions transactions;
    private final OutcomeEvents events;
    private final StkPushRequests pushRequests;
    private final ObjectMapper mapper;
    private final Clock clock;

    public AttemptLedger(Transactions transactions, OutcomeEvents events, StkPushRequests pushRequests,
                         ObjectMapper mapper, Clock clock) {
        this.transactions = transactions;
        this.events = events;
        this.pushRequests = pushRequests;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * Records the attempt before anything is sent to Daraja. A redelivered intent is never pushed again: if its push
     * was interrupted (the process stopped before Daraja's answer was recorded) it is resolved from a callback that
     * already arrived, or else UNKNOWN, because the customer may have been prompted.
     */
    public Intake open(PaymentIntent intent) {
        String attemptId = UUID.randomUUID().toString();
        try {
            Attempt attempt = transactions.inTransaction(connection -> {
                insert(connection, attemptId, intent.intentId(), intent.contentHash(), intent.orderId(), intent.merchant(),
                        intent.amount(), intent.phoneNumber(), intent.accountReference(), intent.description(),
                        intent.transactionType(), intent.json(), json(intent.metadata()), Status.PENDING_PUSH);
                Attempt opened = load(connection, "attempt-by-id", attemptId).orElseThrow();
                update(connection, Sql.of("attempt-set-push-request"),
                        json(pushRequests.forLedger(opened)), attemptId);
                return opened;
            });
            LOG.info("Attempt {} opened for intent {} (order {}, {} KES, phone {})", attemptId, intent.intentId(),
                    intent.orderId(), intent.amount(), PhoneNumbers.mask(intent.phoneNumber()));
            return new Intake(attempt, true);
        } catch (LedgerException e) {
            if (!(e.getCause() instanceof SQLException sql) || !Transactions.isConstraintViolation(sql)) {
                throw e;
            }
        }
        return redelivered(intent.intentId(), intent.contentHash());
    }

    private Intake redelivered(String intentId, String contentHash) {
        return transactions.inTransaction(connection -> {
            Attempt existing = load(connection, "attempt-by-intent", intentId).orElseThrow(
                    () -> new IllegalStateException("intent " + intentId + " conflicts but cannot be found"));
            existing = load(connection, "attempt-by-id-for-update", existing.attemptId()).orElseThrow();
            if (!existing.intentHash().equals(contentHash)) {
                throw new DuplicateIntentConflictException(intentId);
            }
            if (existing.status() == Status.PENDING_PUSH) {
                LOG.warn("Intent {} redelivered while its push was never answered: not pushing again", intentId);
                if (!applyWaitingCallbacks(connection, existing)) {
                    resolve(connection, existing, Resolution.of(Status.UNKNOWN, "PUSH_INTERRUPTED", false, null,
                            "the push may have been sent but its answer was never recorded"), Source.PUSH, null);
                }
            } else {
                LOG.info("Intent {} redelivered; attempt {} is {}: nothing to do", intentId, existing.attemptId(), existing.status());
            }
            return new Intake(existing, false);
        });
    }

    /** An intent that failed validation: one REJECTED outcome, even if the same record is delivered again. */
    public void reject(InvalidIntentException invalid) {
        String attemptId = UUID.randomUUID().toString();
        String hash = IntentReader.contentHash(invalid.intent());
        try {
            transactions.inTransaction(connection -> {
                insert(connection, attemptId, invalid.intentId(), hash, invalid.orderId(), null, null, null, null, null,
                        null, invalid.intent().toString(), json(invalid.intent().get("metadata")), Status.REJECTED);
                Attempt attempt = load(connection, "attempt-by-id-for-update", attemptId).orElseThrow();
                resolve(connection, attempt, Resolution.of(Status.REJECTED, invalid.reason(), false, null,
                        truncate(String.join("; ", invalid.errors()), 512)), Source.VALIDATION, null);
                return null;
            });
        } catch (LedgerException e) {
            if (!(e.getCause() instanceof SQLException sql) || !Transactions.isConstraintViolation(sql)) {
                throw e;
            }
            LOG.info("Invalid intent {} seen before: its REJECTED outcome stands", invalid.intentId());
        }
    }

    /** Daraja answered the push: ACCEPTED (customer prompted) or a final refusal. */
    public Attempt recordPushAnswer(Attempt attempt, PushAnswer answer) {
        if (!answer.accepted()) {
            return resolvePush(attempt, answer.resolution());
        }
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            int updated = update(connection, Sql.of("attempt-set-accepted"), answer.merchantRequestId(),
                    answer.checkoutRequestId(), now, now, attempt.attemptId());
            Attempt accepted = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            if (updated == 1) {
                enqueue(connection, accepted, now);
                LOG.info("Attempt {} accepted by Daraja: CheckoutRequestID {}", attempt.attemptId(), answer.checkoutRequestId());
                applyWaitingCallbacks(connection, accepted);
            }
            return accepted;
        });
    }

    /** A push that ended without an acceptance: refused, failed before sending, or with an outcome nobody can know. */
    public Attempt resolvePush(Attempt attempt, Resolution resolution) {
        return transactions.inTransaction(connection -> {
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            if (current.status() != Status.PENDING_PUSH) {
                return current;
            }
            return resolve(connection, current, resolution, Source.PUSH, null);
        });
    }

    /** Stores a callback (inbox) and applies it when the attempt is waiting for its result. */
    public CallbackDisposition receiveCallback(String attemptId, StkCallback callback, String rawBody) {
        return transactions.inTransaction(connection -> {
            Optional<Attempt> found = load(connection, "attempt-by-id-for-update", attemptId);
            CallbackDisposition disposition = found.map(attempt -> decide(attempt, callback))
                    .orElse(CallbackDisposition.UNKNOWN_ATTEMPT);
            long callbackId = insertCallback(connection, attemptId, callback, rawBody, disposition);
            if (disposition == CallbackDisposition.APPLIED) {
                applyCallback(connection, found.get(), callback);
            }
            LOG.info("Callback {} for attempt {} (CheckoutRequestID {}, ResultCode {}): {}", callbackId, attemptId,
                    callback.checkoutRequestId(), callback.resultCode(), disposition);
            return disposition;
        });
    }

    private CallbackDisposition decide(Attempt attempt, StkCallback callback) {
        if (attempt.checkoutRequestId() != null && !attempt.checkoutRequestId().equals(callback.checkoutRequestId())) {
            LOG.warn("Callback for attempt {} names CheckoutRequestID {} but the attempt has {}: not applied",
                    attempt.attemptId(), callback.checkoutRequestId(), attempt.checkoutRequestId());
            return CallbackDisposition.CHECKOUT_MISMATCH;
        }
        if (ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).isEmpty()) {
            return CallbackDisposition.STILL_PROCESSING;
        }
        return switch (attempt.status()) {
            case PENDING_PUSH -> CallbackDisposition.WAITING_FOR_PUSH_ANSWER;
            case ACCEPTED -> CallbackDisposition.APPLIED;
            default -> {
                Status said = ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).get().status();
                if (said != attempt.status()) {
                    LOG.warn("Late callback for attempt {} says {} but the attempt is already final {}: kept in its history",
                            attempt.attemptId(), said, attempt.status());
                }
                yield CallbackDisposition.ALREADY_FINAL;
            }
        };
    }

    private record WaitingCallback(long callbackId, String rawBody) {
    }

    /** Callbacks that arrived before the push answer was recorded; true when one of them resolved the attempt. */
    private boolean applyWaitingCallbacks(Connection connection, Attempt attempt) throws SQLException {
        List<WaitingCallback> waiting = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(Sql.of("callback-pending-for-attempt"))) {
            select.setString(1, attempt.attemptId());
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    waiting.add(new WaitingCallback(rows.getLong(1), rows.getString(2)));
                }
            }
        }
        boolean resolved = false;
        for (WaitingCallback next : waiting) {
            StkCallback callback = StkCallback.parse(next.rawBody());
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            boolean applicable = !current.status().isFinal()
                    && (current.checkoutRequestId() == null || current.checkoutRequestId().equals(callback.checkoutRequestId()));
            if (applicable) {
                applyCallback(connection, current, callback);
                resolved = true;
            }
            update(connection, Sql.of("callback-set-disposition"),
                    (applicable ? CallbackDisposition.APPLIED : CallbackDisposition.ALREADY_FINAL).name(), next.callbackId());
        }
        return resolved;
    }

    private void applyCallback(Connection connection, Attempt attempt, StkCallback callback) throws SQLException {
        Resolution resolution = ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).orElseThrow();
        if (resolution.status() == Status.SUCCEEDED && !matchesAttempt(attempt, callback)) {
            LOG.error("SUCCESS callback for attempt {} does not match it (amount {} vs {}, phone {} vs {}): flagged for review",
                    attempt.attemptId(), callback.amount(), attempt.amount(), PhoneNumbers.mask(callback.phoneNumber()),
                    PhoneNumbers.mask(attempt.phoneNumber()));
            resolution = Resolution.of(Status.UNKNOWN, "CALLBACK_MISMATCH", false, callback.resultCode(),
                    "success callback does not match the attempt's amount or phone: needs review");
        }
        resolve(connection, attempt, resolution, Source.CALLBACK, callback);
    }

    /** A success callback must be for the amount and phone we asked for; absent items are not held against it. */
    private static boolean matchesAttempt(Attempt attempt, StkCallback callback) {
        boolean amountMatches = callback.amount() == null
                || callback.amount().compareTo(BigDecimal.valueOf(attempt.amount())) == 0;
        boolean phoneMatches = callback.phoneNumber() == null || callback.phoneNumber().equals(attempt.phoneNumber());
        return amountMatches && phoneMatches;
    }

    private Attempt resolve(Connection connection, Attempt attempt, Resolution resolution, Source source,
                            StkCallback callback) throws SQLException {
        OffsetDateTime now = now();
        boolean paid = resolution.status() == Status.SUCCEEDED;
        update(connection, Sql.of("attempt-set-final"), resolution.status().name(), resolution.reason(),
                resolution.retryable(), truncate(resolution.resultCode(), 32), truncate(resolution.resultDesc(), 512),
                source.name(), paid && callback != null ? callback.mpesaReceiptNumber() : null,
                callback != null ? callback.transactionDate() : null, now, now, attempt.attemptId());
        Attempt resolved = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
        enqueue(connection, resolved, now);
        LOG.info("Attempt {} for intent {} is {}{} (source {}, ResultCode {})", resolved.attemptId(), resolved.intentId(),
                resolved.status(), resolved.reason() == null ? "" : " " + resolved.reason(), source,
                resolved.resultCode());
        return resolved;
    }

    private void enqueue(Connection connection, Attempt attempt, OffsetDateTime now) throws SQLException {
        OutcomeEvent event = events.of(attempt, now);
        update(connection, Sql.of("outbox-insert"), event.eventId(), event.attemptId(), event.key(), event.type(),
                event.payload(), event.occurredAt());
    }

    public Optional<Attempt> find(String attemptId) {
        return transactions.inTransaction(connection -> load(connection, "attempt-by-id", attemptId));
    }

    public Optional<Attempt> findByIntent(String intentId) {
        return transactions.inTransaction(connection -> load(connection, "attempt-by-intent", intentId));
    }

    private void insert(Connection connection, String attemptId, String intentId, String hash, String orderId,
                        String merchant, Integer amount, String phone, String accountReference, String description,
                        String transactionType, String intentJson, String metadataJson, Status status) throws SQLException {
        OffsetDateTime now = now();
        update(connection, Sql.of("attempt-insert"), attemptId, intentId, hash, orderId, merchant, amount, phone,
                accountReference, description, transactionType, intentJson, metadataJson, null,
                status.name(), null, false, null, null, null, now, now, null);
    }

    private long insertCallback(Connection connection, String attemptId, StkCallback callback, String rawBody,
                                CallbackDisposition disposition) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(Sql.of("callback-insert"), new String[]{"callback_id"})) {
            bind(insert, attemptId, truncate(callback.checkoutRequestId(), 64), truncate(callback.resultCode(), 32),
                    rawBody, now(), disposition.name());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                return keys.next() ? keys.getLong(1) : -1;
            }
        }
    }

    private static Optional<Attempt> load(Connection connection, String where, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of("attempt-select-columns", where))) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(attempt(row)) : Optional.empty();
            }
        }
    }

    private static Attempt attempt(ResultSet row) throws SQLException {
        int amount = row.getInt("amount");
        return new Attempt(row.getString("attempt_id"), row.getString("intent_id"), row.getString("intent_hash"),
                row.getString("order_id"), row.getString("merchant"), row.wasNull() ? null : amount,
                row.getString("phone_number"), row.getString("account_reference"), row.getString("description"),
                row.getString("transaction_type"), row.getString("metadata_json"), Status.valueOf(row.getString("status")),
                row.getString("reason"), row.getBoolean("retryable"), row.getString("result_code"),
                row.getString("result_desc"), row.getString("source"), row.getString("merchant_request_id"),
                row.getString("checkout_request_id"), row.getString("mpesa_receipt_number"),
                row.getString("transaction_date"), row.getObject("created_at", OffsetDateTime.class),
                row.getObject("updated_at", OffsetDateTime.class));
    }

    static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            return statement.executeUpdate();
        }
    }

    static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            Object value = parameters[i];
            if (value == null) {
                statement.setNull(i + 1, Types.NULL);
            } else {
                statement.setObject(i + 1, value);
            }
        }
    }

    private String json(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return value instanceof String text ? text : mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock);
    }
}
