package io.stkbridge.ledger;

import io.stkbridge.Tracing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import io.stkbridge.Correlation;
import io.stkbridge.daraja.PushAnswer;
import io.stkbridge.daraja.QueryAnswer;
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
import org.slf4j.MDC;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The attempts, their callbacks (inbox) and their outcome events (outbox). Every state change and the event it decides
 * are committed in one transaction, so an outcome can neither be lost nor published for a change that did not happen.
 */
public class AttemptLedger {

    /** What became of a callback. */
    public enum CallbackDisposition {
        APPLIED, CORRECTION, WAITING_FOR_PUSH_ANSWER, ALREADY_FINAL, CHECKOUT_MISMATCH, UNKNOWN_ATTEMPT, STILL_PROCESSING,
        /** ResultCode 0 without the Amount, receipt and PhoneNumber of the attempt: kept, never applied; Query decides. */
        UNPROVEN_SUCCESS,
        /** For an attempt older than the callback window (STK_CALLBACK_WINDOW_HOURS): kept, never applied. */
        TOO_LATE,
        /**
         * A proven success that would overturn a published outcome (or any success, with STK_CALLBACK_VERIFY_SUCCESS):
         * kept, and published only once an STK Query answers ResultCode 0.
         */
        AWAITING_QUERY,
        /** A success awaiting its Query that the Query contradicted: kept, never applied; needs review. */
        REFUTED_BY_QUERY,
        /** A success awaiting its Query that got no final Query answer within the give-up window: never applied. */
        UNVERIFIED
    }

    /** Daraja's results come within minutes; a "callback" for an attempt older than this is kept but never applied. */
    public static final Duration DEFAULT_CALLBACK_WINDOW = Duration.ofHours(24);

    private static final Logger LOG = LoggerFactory.getLogger(AttemptLedger.class);

    /**
     * Attempt ids are time-ordered UUIDs (version 7: milliseconds, then 74 random bits). Every index keyed by attempt id
     * (the attempt's own, and the outbox's, the callbacks' and the queries' references to it) then takes a new attempt
     * at its right edge, where the attempts being worked on are, instead of at a random leaf; on H2 every update of a row
     * rewrites its entry in each index, and each changed leaf is written again at the next store. Nothing relies on an
     * attempt id being unguessable: a callback URL carries its own token.
     */
    static final TimeBasedEpochGenerator ATTEMPT_IDS = Generators.timeBasedEpochGenerator();
    private static final Map<String, Integer> ATTEMPT_COLUMNS = Sql.selectedColumns("attempt-select-columns");

    private final Transactions transactions;
    private final OutcomeEvents events;
    private final StkPushRequests pushRequests;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final QuerySchedule schedule;
    /** This instance, as it appears in the ledger: who sent a query. */
    private final String instanceId;
    private final Duration callbackWindow;
    private final InterruptedPushes interruptedPushes;
    /** STK_CALLBACK_VERIFY_SUCCESS: every success callback waits for an STK Query that agrees before it is applied. */
    private final boolean verifyEverySuccess;

    public AttemptLedger(Transactions transactions, OutcomeEvents events, StkPushRequests pushRequests,
                         ObjectMapper mapper, Clock clock, QuerySchedule schedule) {
        this(transactions, events, pushRequests, mapper, clock, schedule, null);
    }

    public AttemptLedger(Transactions transactions, OutcomeEvents events, StkPushRequests pushRequests,
                         ObjectMapper mapper, Clock clock, QuerySchedule schedule, String instanceId) {
        this(transactions, events, pushRequests, mapper, clock, schedule, instanceId, DEFAULT_CALLBACK_WINDOW);
    }

    public AttemptLedger(Transactions transactions, OutcomeEvents events, StkPushRequests pushRequests,
                         ObjectMapper mapper, Clock clock, QuerySchedule schedule, String instanceId,
                         Duration callbackWindow) {
        this(transactions, events, pushRequests, mapper, clock, schedule, instanceId, callbackWindow,
                InterruptedPushes.DEFAULT, false);
    }

    public AttemptLedger(Transactions transactions, OutcomeEvents events, StkPushRequests pushRequests,
                         ObjectMapper mapper, Clock clock, QuerySchedule schedule, String instanceId,
                         Duration callbackWindow, InterruptedPushes interruptedPushes, boolean verifyEverySuccess) {
        this.interruptedPushes = interruptedPushes;
        this.verifyEverySuccess = verifyEverySuccess;
        this.callbackWindow = callbackWindow;
        this.instanceId = instanceId;
        this.schedule = schedule;
        this.transactions = transactions;
        this.events = events;
        this.pushRequests = pushRequests;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * Records the attempt before anything is sent to Daraja. A redelivered intent whose attempt was never sent (it never
     * reached its {@linkplain #startPush send boundary}) is pushed now; one that may have been sent is never pushed again
     * and left as it is: its push may still be under way elsewhere, or its callback still to come; the
     * {@linkplain #closeInterruptedPushes sweeper} decides it once no push can be waiting for its answer.
     */
    public Intake open(PaymentIntent intent) {
        String attemptId = ATTEMPT_IDS.generate().toString();
        try {
            // not awaited: the send boundary's commit (startPush) is, before the push, and so is every other way the
            // record can end; its batch's offsets wait for awaitStored (IntakeBatches.commitDone)
            String pushRequest = json(pushRequests.forLedger(attemptId, intent));
            Attempt attempt = transactions.inTransactionStoredLater(connection -> {
                insert(connection, attemptId, intent.intentId(), intent.contentHash(), intent.orderId(), intent.merchant(),
                        intent.amount(), intent.phoneNumber(), intent.accountReference(), intent.description(),
                        intent.transactionType(), intent.json(), json(intent.metadata()), pushRequest, Status.PENDING_PUSH);
                return load(connection, "attempt-by-id", attemptId).orElseThrow();
            });
            Correlation.attempt(attempt);
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
                    () -> new LedgerInconsistentException("intent " + intentId + " conflicts with an attempt (unique "
                            + "index on intent_id) that cannot be found"));
            existing = load(connection, "attempt-by-id-for-update", existing.attemptId()).orElseThrow();
            Correlation.attempt(existing);
            if (!existing.intentHash().equals(contentHash)) {
                throw new DuplicateIntentConflictException(intentId);
            }
            if (existing.status() == Status.PENDING_PUSH && pushStartedBy(connection, existing.attemptId()) == null) {
                // never sent (the process stopped while it waited for its turn): pushed now, once; the send boundary
                // (startPush) keeps a copy being pushed elsewhere at the same moment from sending it too
                LOG.info("Intent {} redelivered; its attempt {} was never sent: pushing it now", intentId, existing.attemptId());
                return new Intake(existing, true);
            }
            if (existing.status() == Status.PENDING_PUSH) {
                // another copy may still be pushing it (a rebalance, a frozen instance), or the process died after
                // sending: either way its callback, or the sweeper after the wait, decides
                LOG.warn("Intent {} redelivered while its attempt {} was pushed without a recorded answer: not pushing "
                        + "again; waiting for its answer or callback", intentId, existing.attemptId());
            } else {
                LOG.info("Intent {} redelivered; attempt {} is {}: nothing to do", intentId, existing.attemptId(), existing.status());
            }
            return new Intake(existing, false);
        });
    }

    /**
     * Returns once every commit made so far survives the death of the process, attempts opened without waiting for that
     * ({@link #open}) among them: before the offsets of their intents are committed.
     */
    public void awaitStored() {
        transactions.awaitStored();
    }

    /** An intent that failed validation: one REJECTED outcome, even if the same record is delivered again. */
    public void reject(InvalidIntentException invalid) {
        String attemptId = ATTEMPT_IDS.generate().toString();
        String hash = IntentReader.contentHash(invalid.intent());
        try {
            transactions.inTransaction(connection -> {
                insert(connection, attemptId, invalid.intentId(), hash, invalid.orderId(), null, null, null, null, null,
                        null, invalid.intent().toString(), json(invalid.intent().get("metadata")), null, Status.REJECTED);
                Attempt attempt = reloadLocked(connection, attemptId);
                Correlation.attempt(attempt);
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

    /**
     * The send boundary, committed on its own right before a push request goes out: from here on the attempt may have
     * prompted the customer. Only for an attempt still waiting for its push that nobody else has started; {@code owner}
     * names this run of the push (its busy and token re-sends cross the boundary again as the same owner). False: another
     * copy of the intent owns the push, or the attempt no longer waits for one; then it must not be sent.
     */
    public boolean startPush(Attempt attempt, String owner) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            // AttemptTransition.PUSH_STARTED, guarded in its statement: 0 rows is the answer "do not send"
            return update(connection, Sql.of("attempt-start-push"), now, owner, now, attempt.attemptId(), owner) == 1;
        });
    }

    /**
     * Daraja refused the request of {@code owner} without prompting the customer (busy, or its token refused), and the
     * owner sends it again after a pause: until it crosses the boundary again the attempt counts as never sent, so the
     * sweeper's callback wait does not run out on a push that is only waiting to be re-sent, and a redelivered copy may
     * push it (whichever crosses first sends; the other sends nothing). 0 rows: the attempt no longer waits for this
     * run's push, whose next crossing then fails.
     */
    public void releasePush(Attempt attempt, String owner) {
        transactions.inTransaction(connection -> update(connection, Sql.of("attempt-release-push"), now(),
                attempt.attemptId(), owner));
    }

    /**
     * Daraja answered the push of {@code owner}: ACCEPTED (customer prompted) or a final refusal. An acceptance for an
     * attempt closed meanwhile (UNKNOWN after the wait while this push was frozen) keeps its CheckoutRequestID, so that
     * its callback corrects the outcome. An acceptance found recorded already (its CheckoutRequestID on the attempt: an
     * earlier try whose commit went through unacknowledged) changes nothing and publishes nothing.
     */
    public Attempt recordPushAnswer(Attempt attempt, String owner, PushAnswer answer) {
        if (!answer.accepted()) {
            return resolvePush(attempt, owner, answer.resolution(), answer);
        }
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            // AttemptTransition.PUSH_ACCEPTED, guarded in its statement: 0 rows is a late answer, kept below
            int updated = update(connection, Sql.of("attempt-set-accepted"), answer.merchantRequestId(),
                    answer.checkoutRequestId(), now, now, schedule.firstQueryAt(now), schedule.giveUpAt(now),
                    answer.httpStatus(), answer.rawBody(), truncate(answer.requestId(), 64), attempt.attemptId());
            Attempt accepted = updated == 1 ? reloadLocked(connection, attempt.attemptId())
                    : load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            Correlation.attempt(accepted);
            if (updated == 1) {
                enqueue(connection, accepted, now, false);
                LOG.info("Attempt {} accepted by Daraja: CheckoutRequestID {}", attempt.attemptId(), answer.checkoutRequestId());
                applyWaitingCallbacks(connection, accepted);
                return accepted;
            }
            return keepLateAcceptance(connection, accepted, answer, now);
        });
    }

    private Attempt keepLateAcceptance(Connection connection, Attempt closed, PushAnswer answer, OffsetDateTime now)
            throws SQLException {
        if (update(connection, Sql.of("attempt-set-late-push-answer"), answer.merchantRequestId(), answer.checkoutRequestId(),
                now, answer.httpStatus(), answer.rawBody(), truncate(answer.requestId(), 64), closed.attemptId(),
                answer.checkoutRequestId()) == 1) {
            if (closed.status() == Status.UNKNOWN && correctable(closed)) {
                // its callback may have gone to a process that died meanwhile: Daraja is asked, as for an accepted attempt
                exactlyOne(update(connection, Sql.of("attempt-schedule-late-query"), schedule.firstQueryAt(now),
                        schedule.giveUpAt(now), now, closed.attemptId()), "late acceptance queried", closed.attemptId());
                LOG.warn("Attempt {} was already UNKNOWN {} when Daraja accepted its push: CheckoutRequestID {} kept, so that "
                        + "its callback or an STK Query corrects the outcome", closed.attemptId(), reasonOf(closed),
                        answer.checkoutRequestId());
            } else {
                LOG.warn("Attempt {} was already {} {} when Daraja accepted its push: CheckoutRequestID {} kept, so that "
                        + "its callback confirms the outcome", closed.attemptId(), closed.status(), reasonOf(closed),
                        answer.checkoutRequestId());
            }
            return load(connection, "attempt-by-id", closed.attemptId()).orElseThrow();
        }
        if (answer.checkoutRequestId() != null && answer.checkoutRequestId().equals(closed.checkoutRequestId())) {
            // this very answer, recorded again (PushFailures) after a try whose commit went through unacknowledged:
            // it was published then, with its event, and is not again
            LOG.info("Attempt {}: Daraja's acceptance (CheckoutRequestID {}) was recorded already", closed.attemptId(),
                    answer.checkoutRequestId());
            return closed;
        }
        // it holds another push's CheckoutRequestID: two accepted pushes for one attempt must never happen
        LOG.error("Attempt {} ({} {}, CheckoutRequestID {}) got a second acceptance, CheckoutRequestID {}: needs review",
                closed.attemptId(), closed.status(), reasonOf(closed), closed.checkoutRequestId(), answer.checkoutRequestId());
        return closed;
    }

    private static String reasonOf(Attempt attempt) {
        return attempt.reason() == null ? "" : attempt.reason();
    }

    /**
     * A push that provably reached nobody (Daraja unreachable, or still refusing as busy): the attempt waits as
     * DEFERRED and is pushed again from {@code retryAt}. Once it has met the outage itself ({@code metOutage}) for
     * {@code giveUpAfter} it gets {@code failure} instead; an attempt only held back by a pause never gives up, so one
     * intent Daraja keeps refusing cannot fail the others. Nothing changes when another push than {@code owner} has
     * crossed the attempt's send boundary. Returns whether it was deferred.
     */
    public boolean defer(Attempt attempt, String owner, String why, OffsetDateTime retryAt, boolean metOutage,
                         Duration giveUpAfter, Resolution failure) {
        return transactions.inTransaction(connection -> {
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            Correlation.attempt(current);
            if (current.status() != Status.PENDING_PUSH) {
                return false;
            }
            if (ownedByAnother(connection, current, owner)) {
                return false;
            }
            OffsetDateTime now = now();
            OffsetDateTime since = timeOf(connection, "attempt-deferred-since", current.attemptId());
            if (since != null && !now.isBefore(since.plus(giveUpAfter))) {
                resolve(connection, current, failure, Source.PUSH, null);
                return false;
            }
            AttemptTransition deferral = AttemptTransition.of(current.status(), Status.DEFERRED, false);
            exactlyOne(update(connection, Sql.of("attempt-defer"), why, retryAt, metOutage ? now : null, now,
                    current.attemptId()), deferral.name(), current.attemptId());
            LOG.warn("Attempt {} for intent {} deferred ({}): nothing was sent, pushing again from {}", current.attemptId(),
                    current.intentId(), why, retryAt);
            return true;
        });
    }

    /**
     * Whether another run of the push than {@code owner} has crossed the attempt's send boundary: then that push, not
     * this one, decides the attempt, and this one changes nothing.
     */
    private static boolean ownedByAnother(Connection connection, Attempt attempt, String owner) throws SQLException {
        String startedBy = pushStartedBy(connection, attempt.attemptId());
        if (startedBy == null || startedBy.equals(owner)) {
            return false;
        }
        LOG.info("Attempt {} is being pushed by another copy of intent {}: left to it", attempt.attemptId(),
                attempt.intentId());
        return true;
    }

    /** Who started the attempt's push (the owner of its send boundary); null when it was never sent. */
    private static String pushStartedBy(Connection connection, String attemptId) throws SQLException {
        return ids(connection, Sql.of("attempt-push-started-by"), attemptId).stream().findFirst().orElse(null);
    }

    /** One time column of the attempt, named by the statement that selects it; null when unset. */
    private static OffsetDateTime timeOf(Connection connection, String statement, String attemptId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of(statement))) {
            select.setString(1, attemptId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getObject(1, OffsetDateTime.class) : null;
            }
        }
    }

    /**
     * Deferred attempts whose time has come, switched back to PENDING_PUSH for this instance to push now. One that cannot
     * be pushed ({@code pushable} false: its merchant is no longer configured) is FAILED {@code PUSH_FAILED}, retryable:
     * a DEFERRED attempt provably never reached Daraja.
     */
    public List<Attempt> claimDeferred(int limit, java.util.function.Predicate<Attempt> pushable) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            List<Attempt> due = new ArrayList<>();
            for (String attemptId : ids(connection, Sql.of("attempt-due-for-push"), now, limit)) {
                Attempt deferred = load(connection, "attempt-by-id", attemptId).orElseThrow();
                if (!pushable.test(deferred)) {
                    try (Correlation.Scope ignored = Correlation.scope(deferred)) {
                        resolve(connection, deferred, Resolution.of(Status.FAILED, "PUSH_FAILED", true, null, "merchant '"
                                + deferred.merchant() + "' is no longer configured: nothing was sent"), Source.PUSH, null);
                    }
                    continue;
                }
                exactlyOne(update(connection, Sql.of("attempt-resume-push"), now, attemptId),
                        AttemptTransition.PUSH_RESUMED.name(), attemptId);
                due.add(load(connection, "attempt-by-id", attemptId).orElseThrow());
            }
            return due;
        });
    }

    /**
     * A push of {@code owner} that ended without an acceptance: refused, failed before sending, or with an outcome nobody
     * can know. Nothing changes when the attempt no longer waits for its push, or another run of the push owns it.
     */
    public Attempt resolvePush(Attempt attempt, String owner, Resolution resolution) {
        return resolvePush(attempt, owner, resolution, null);
    }

    /** As {@link #resolvePush(Attempt, String, Resolution)}, keeping Daraja's answer (if there was one) for the timeline. */
    private Attempt resolvePush(Attempt attempt, String owner, Resolution resolution, PushAnswer answer) {
        return transactions.inTransaction(connection -> {
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            Correlation.attempt(current);
            if (current.status() == Status.PENDING_PUSH && ownedByAnother(connection, current, owner)) {
                return current;
            }
            if (answer != null) {
                exactlyOne(update(connection, Sql.of("attempt-set-push-answer"), answer.httpStatus(), answer.rawBody(),
                        truncate(answer.requestId(), 64), current.attemptId()), "keep push answer", current.attemptId());
            }
            if (current.status() != Status.PENDING_PUSH) {
                LOG.warn("Attempt {} was already {} {} when its push ended {} {}: kept in its history, outcome unchanged",
                        current.attemptId(), current.status(), reasonOf(current), resolution.status(), resolution.reason());
                return current;
            }
            if (applyWaitingCallbacks(connection, current)) {
                // Daraja's callback outranks whatever the push's own answer (or its absence) suggested.
                return load(connection, "attempt-by-id", current.attemptId()).orElseThrow();
            }
            Attempt resolved = resolve(connection, current, resolution, Source.PUSH, null);
            queryIfAwaiting(connection, resolved.attemptId());
            return resolved;
        });
    }

    /**
     * Records an STK Query answer in the attempt's history. A ResultCode resolves a waiting attempt (source QUERY);
     * pending and transient answers reschedule it, until the give-up time makes it UNKNOWN. An attempt that is
     * already final keeps its outcome: a Query never overrides a callback.
     */
    public Attempt recordQueryAnswer(Attempt attempt, QueryAnswer answer, String trigger) {
        String interpretation = answer.kind().name();
        return recordQuery(attempt, answer.httpStatus(), truncate(answer.body(), 4000), interpretation, trigger,
                answer.isFinal() ? answer.resolution() : null);
    }

    /** A query that got no answer at all: retried later, never a failure of the payment. */
    public Attempt recordQueryFailure(Attempt attempt, Exception failure, String trigger) {
        return recordQuery(attempt, null, failure.getClass().getSimpleName(), "TRANSPORT_ERROR", trigger, null);
    }

    private Attempt recordQuery(Attempt attempt, Integer httpStatus, String answer, String interpretation, String trigger,
                                Resolution finalAnswer) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            update(connection, Sql.of("query-insert"), attempt.attemptId(), now, httpStatus, answer, interpretation,
                    trigger == null ? "SWEEP" : trigger, instanceId);
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            Correlation.attempt(current);
            List<AwaitingCallback> awaiting = awaitingQuery(connection, current.attemptId());
            if (!awaiting.isEmpty()) {
                Optional<Attempt> verified = verify(connection, current, awaiting, finalAnswer, now);
                if (verified.isPresent()) {
                    return verified.get();
                }
            }
            if (current.status() != Status.ACCEPTED) {
                return recordQueryOfFinal(connection, current, finalAnswer, now);
            }
            if (finalAnswer != null) {
                return resolve(connection, current, finalAnswer, Source.QUERY, null);
            }
            int queries = queryCount(connection, current.attemptId());
            // the query_count of an accepted attempt counts its earlier queries without a result; this one is the next
            if (schedule.givesUp(current.giveUpAt(), queries + 1, now)) {
                Attempt unresolved = resolve(connection, current, Resolution.of(Status.UNKNOWN, "UNRESOLVED", false, null,
                        "no result from callback or " + (queries + 1) + " queries within the window: needs review"),
                        Source.QUERY, null);
                queryIfAwaiting(connection, unresolved.attemptId());
                return unresolved;
            }
            exactlyOne(update(connection, Sql.of("attempt-reschedule-query"), schedule.nextQueryAt(queries, now), now,
                    current.attemptId()), "query rescheduled", current.attemptId());
            LOG.info("Attempt {}: query answer {} ({}), asking again later", current.attemptId(), interpretation,
                    httpStatus == null ? answer : "HTTP " + httpStatus);
            return load(connection, "attempt-by-id", current.attemptId()).orElseThrow();
        });
    }

    /**
     * A Query of an attempt already final: forced by an operator, or scheduled because Daraja accepted its push after
     * it had been published UNKNOWN. Daraja's final answer corrects, once, an UNKNOWN nobody knew (as its callback
     * would); it never changes an outcome Daraja itself decided. Without a final answer a scheduled query asks again
     * with backoff until the give-up window has passed, and the attempt stays as it is.
     */
    private Attempt recordQueryOfFinal(Connection connection, Attempt current, Resolution finalAnswer, OffsetDateTime now)
            throws SQLException {
        String attemptId = current.attemptId();
        if (finalAnswer != null && finalAnswer.status() != Status.UNKNOWN && current.status() == Status.UNKNOWN
                && correctable(current)) {
            LOG.warn("CORRECTION: STK Query says {} (ResultCode {}) for attempt {} after the attempt was published as UNKNOWN "
                    + "{}: publishing a correction event", finalAnswer.status(), finalAnswer.resultCode(), attemptId,
                    reasonOf(current));
            exactlyOne(update(connection, Sql.of("attempt-set-corrected"), attemptId), "corrected", attemptId);
            return resolve(connection, current, finalAnswer, Source.QUERY, null, true);
        }
        if (finalAnswer != null) {
            if (finalAnswer.status() != current.status()) {
                LOG.warn("Query for attempt {} says {} but the attempt is already {} (source {}): kept in its history",
                        attemptId, finalAnswer.status(), current.status(), current.source());
            }
            update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
            return current;
        }
        int queries = queryCount(connection, attemptId);
        if (schedule.givesUp(current.giveUpAt(), queries + 1, now)) {
            update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
        } else {
            update(connection, Sql.of("attempt-reschedule-scheduled-query"), schedule.nextQueryAt(queries, now), now,
                    attemptId);
        }
        return current;
    }

    private record AwaitingCallback(long callbackId, StkCallback callback, OffsetDateTime receivedAt) {
    }

    private static List<AwaitingCallback> awaitingQuery(Connection connection, String attemptId) throws SQLException {
        List<AwaitingCallback> awaiting = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(Sql.of("callback-awaiting-query"))) {
            select.setString(1, attemptId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    awaiting.add(new AwaitingCallback(rows.getLong(1), StkCallback.parse(rows.getString(2)),
                            rows.getObject(3, OffsetDateTime.class)));
                }
            }
        }
        return awaiting;
    }

    private void queryNow(Connection connection, String attemptId) throws SQLException {
        OffsetDateTime now = now();
        exactlyOne(update(connection, Sql.of("attempt-set-next-query"), now, now, attemptId), "query now", attemptId);
    }

    /** After a push or the give-up resolved the attempt: a success still awaiting its Query keeps asking for it. */
    private void queryIfAwaiting(Connection connection, String attemptId) throws SQLException {
        if (!awaitingQuery(connection, attemptId).isEmpty()) {
            queryNow(connection, attemptId);
        }
    }

    /**
     * A Query answer for an attempt with success callbacks awaiting it. ResultCode 0 applies the latest of them (with its
     * receipt), as a correction when the attempt was final; another final answer refutes them all; no answer asks again
     * until the give-up window from the first of them has passed. Empty: the Query answer is recorded as usual.
     */
    private Optional<Attempt> verify(Connection connection, Attempt current, List<AwaitingCallback> awaiting,
                                     Resolution answer, OffsetDateTime now) throws SQLException {
        String attemptId = current.attemptId();
        if (answer != null && answer.status() == Status.SUCCEEDED) {
            boolean correction = current.status().isFinal();
            if (correction && !correctable(current)) {
                LOG.error("CONFLICT: STK Query confirms the success callback for attempt {} but the attempt is final {} {} "
                        + "(source {}) and cannot be corrected again: kept in its history, needs review", attemptId,
                        current.status(), current.reason() == null ? "" : current.reason(), current.source());
                setDispositions(connection, awaiting, CallbackDisposition.ALREADY_FINAL);
                update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
                return Optional.of(current);
            }
            AwaitingCallback confirmed = awaiting.get(awaiting.size() - 1);
            if (correction) {
                LOG.warn("CORRECTION: STK Query confirms the success callback for attempt {} after the attempt was published "
                        + "as {} {} (source {}): publishing a correction event", attemptId, current.status(),
                        current.reason() == null ? "" : current.reason(), current.source());
            }
            setDispositions(connection, awaiting, CallbackDisposition.ALREADY_FINAL);
            update(connection, Sql.of("callback-set-disposition"),
                    (correction ? CallbackDisposition.CORRECTION : CallbackDisposition.APPLIED).name(), confirmed.callbackId());
            applyCallback(connection, current, confirmed.callback(), correction);
            return load(connection, "attempt-by-id", attemptId);
        }
        if (answer != null) {
            LOG.error("CONFLICT: STK Query says {} (ResultCode {}) for attempt {} whose callback said SUCCEEDED: the success "
                    + "is kept in its history, never published; needs review", answer.status(), answer.resultCode(), attemptId);
            setDispositions(connection, awaiting, CallbackDisposition.REFUTED_BY_QUERY);
            if (current.status() == Status.ACCEPTED) {
                return Optional.empty();
            }
            update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
            return Optional.of(current);
        }
        if (current.status() == Status.ACCEPTED) {
            return Optional.empty();
        }
        if (!now.isBefore(awaiting.get(0).receivedAt().plus(schedule.giveUpAfter()))) {
            LOG.error("CONFLICT: no final STK Query answer for attempt {} within the window after its success callback: the "
                    + "attempt stays {} {}, the success is kept in its history, never published; needs review", attemptId,
                    current.status(), current.reason() == null ? "" : current.reason());
            setDispositions(connection, awaiting, CallbackDisposition.UNVERIFIED);
            update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
            return Optional.of(current);
        }
        update(connection, Sql.of("attempt-reschedule-query"),
                schedule.nextQueryAt(queryCount(connection, attemptId), now), now, attemptId);
        return load(connection, "attempt-by-id", attemptId);
    }

    private static void setDispositions(Connection connection, List<AwaitingCallback> callbacks,
                                        CallbackDisposition disposition) throws SQLException {
        for (AwaitingCallback callback : callbacks) {
            update(connection, Sql.of("callback-set-disposition"), disposition.name(), callback.callbackId());
        }
    }

    private static int queryCount(Connection connection, String attemptId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of("attempt-query-count"))) {
            select.setString(1, attemptId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getInt(1) : 0;
            }
        }
    }

    /**
     * Claims up to {@code limit} accepted attempts whose query is due, for {@code lease}; rows another instance holds
     * are skipped. An attempt that cannot be queried ({@code queryable} false: its merchant is no longer configured) is
     * {@linkplain #setAside set aside}. {@code admit} decides per other attempt (the per-shortcode query rate); those
     * refused stay due.
     */
    public List<Attempt> claimDueForQuery(int limit, String claimant, java.util.function.Predicate<Attempt> queryable,
                                          java.util.function.Predicate<Attempt> admit) {
        return claimDueForQuery(null, limit, claimant, queryable, admit);
    }

    /** As the other {@code claimDueForQuery}, only the merchant's attempts (all if null). */
    public List<Attempt> claimDueForQuery(String merchant, int limit, String claimant,
                                          java.util.function.Predicate<Attempt> queryable,
                                          java.util.function.Predicate<Attempt> admit) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            List<Attempt> claimed = new ArrayList<>();
            List<String> due = merchant == null ? ids(connection, Sql.of("attempt-due-for-query"), now, now, limit)
                    : ids(connection, Sql.of("attempt-due-for-query-of-merchant"), now, now, merchant, limit);
            for (String attemptId : due) {
                Attempt attempt = load(connection, "attempt-by-id", attemptId).orElseThrow();
                if (attempt.status().isFinal()) {
                    // queried to verify a success callback (for an attempt whose push answer was lost, with the
                    // CheckoutRequestID that callback named: decide() refuses one that belongs to another attempt), or
                    // because Daraja accepted its push after it was published UNKNOWN
                    List<AwaitingCallback> awaiting = awaitingQuery(connection, attemptId);
                    String checkout = attempt.checkoutRequestId() != null ? attempt.checkoutRequestId()
                            : awaiting.isEmpty() ? null : awaiting.get(awaiting.size() - 1).callback().checkoutRequestId();
                    if (checkout == null || !queryable.test(attempt)) {
                        try (Correlation.Scope ignored = Correlation.scope(attempt)) {
                            if (awaiting.isEmpty()) {
                                LOG.warn("Attempt {} ({} {}) cannot be queried (CheckoutRequestID {}, merchant '{}' "
                                        + "configured: {}): it stays as it is, and its callback still corrects it",
                                        attemptId, attempt.status(), reasonOf(attempt), checkout, attempt.merchant(),
                                        queryable.test(attempt));
                            } else {
                                LOG.error("CONFLICT: attempt {} has a success callback awaiting an STK Query but cannot be "
                                        + "queried (merchant '{}' configured: {}): the success is kept in its history, "
                                        + "never published; needs review", attemptId, attempt.merchant(),
                                        queryable.test(attempt));
                            }
                        }
                        setDispositions(connection, awaiting, CallbackDisposition.UNVERIFIED);
                        update(connection, Sql.of("attempt-set-next-query"), null, now, attemptId);
                        continue;
                    }
                    attempt = attempt.withCheckoutRequestId(checkout);
                }
                if (!queryable.test(attempt)) {
                    setAside(connection, attempt, now);
                } else if (admit.test(attempt)) {
                    exactlyOne(update(connection, Sql.of("attempt-claim"), now.plus(schedule.lease()), claimant, attemptId),
                            "query claim", attemptId);
                    claimed.add(attempt);
                }
            }
            return claimed;
        });
    }

    /** Attempts whose query is due now (claimed or not), by merchant. */
    public java.util.Map<String, Long> dueForQueryByMerchant() {
        return transactions.inTransaction(connection -> {
            java.util.Map<String, Long> due = new java.util.HashMap<>();
            try (PreparedStatement select = connection.prepareStatement(Sql.of("attempts-due-for-query-by-merchant"))) {
                bind(select, now());
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.put(rows.getString(1), rows.getLong(2));
                    }
                }
            }
            return due;
        });
    }

    /**
     * An accepted attempt whose merchant is no longer configured cannot be queried (no credentials), but its callback
     * may still come: it waits for it until its give-up time, and then becomes UNKNOWN {@code UNRESOLVED} with the reason,
     * as an attempt whose queries never got a result does; never FAILED or SUCCEEDED by guess. A later callback still
     * corrects it. If the merchant is configured again before then, it is queried at its give-up time.
     */
    private void setAside(Connection connection, Attempt attempt, OffsetDateTime now) throws SQLException {
        try (Correlation.Scope ignored = Correlation.scope(attempt)) {
            if (attempt.giveUpAt() != null && now.isBefore(attempt.giveUpAt())) {
                exactlyOne(update(connection, Sql.of("attempt-set-next-query"), attempt.giveUpAt(), now, attempt.attemptId()),
                        "query at give-up time", attempt.attemptId());
                LOG.warn("Attempt {}: merchant '{}' is no longer configured, so it cannot be queried; waiting for its callback "
                        + "until {}, then UNKNOWN UNRESOLVED (needs review)", attempt.attemptId(), attempt.merchant(),
                        attempt.giveUpAt());
                return;
            }
            Attempt current = load(connection, "attempt-by-id-for-update", attempt.attemptId()).orElseThrow();
            resolve(connection, current, Resolution.of(Status.UNKNOWN, "UNRESOLVED", false, null, "merchant '"
                    + attempt.merchant() + "' is no longer configured: the attempt could not be queried and no callback came "
                    + "within the window: needs review"), Source.QUERY, null);
        }
    }

    /**
     * Renews this instance's claim on an attempt just before it is queried; false when the claim has lapsed (another
     * instance may hold it now) or the attempt no longer waits, and then it must not be queried. Renewing at each query
     * keeps a long batch within its lease: a query is sent only by the instance that holds the attempt.
     */
    public boolean renewQueryClaim(String attemptId, String claimant) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            // 0 rows: the claim lapsed or the attempt no longer waits; the caller then leaves it alone
            return update(connection, Sql.of("attempt-renew-claim"), now.plus(schedule.lease()), attemptId, claimant, now) == 1;
        });
    }

    /**
     * Attempts still waiting for their push that nobody else will decide. One that crossed its send boundary may have
     * prompted the customer and is never pushed again: once no push can still be waiting for its answer, a callback
     * stored meanwhile decides it; with none, it waits for one until the callback wait has passed since its request
     * started, then becomes UNKNOWN {@code PUSH_INTERRUPTED}. One that never crossed it (untouched past the give-up
     * window, its intent not read again: topic retention, a consumer reset) was provably never sent: a deferred attempt
     * resumed by a push that died before sending is DEFERRED again (pushed by deferred-pushes), any other is FAILED
     * {@code PUSH_FAILED}, retryable. Rows another instance's sweep holds are skipped. Returns how many were decided.
     */
    public int closeInterruptedPushes(int limit) {
        return transactions.inTransaction(connection -> {
            OffsetDateTime now = now();
            List<String> stuck = ids(connection, Sql.of("attempt-interrupted-pushes"), now.minus(schedule.giveUpAfter()),
                    now.minus(interruptedPushes.callbackWait()), now.minus(interruptedPushes.answerDeadline()), limit);
            int decided = 0;
            for (String attemptId : stuck) {
                Attempt attempt = load(connection, "attempt-by-id-for-update", attemptId).orElseThrow();
                try (Correlation.Scope ignored = Correlation.scope(attempt)) {
                    OffsetDateTime started = timeOf(connection, "attempt-push-started-at", attemptId);
                    if (started == null && timeOf(connection, "attempt-deferred-since", attemptId) != null) {
                        // a deferred attempt resumed for a push that died before sending (its intent is not read again):
                        // deferred once more, so that deferred-pushes sends it
                        exactlyOne(update(connection, Sql.of("attempt-defer"), "INTERRUPTED_BEFORE_SENDING", now, null, now,
                                attemptId), AttemptTransition.PUSH_DEFERRED.name(), attemptId);
                        LOG.warn("Attempt {} for intent {} was resumed but never sent: deferred again", attemptId,
                                attempt.intentId());
                    } else if (started == null) {
                        resolve(connection, attempt, Resolution.of(Status.FAILED, "PUSH_FAILED", true, null,
                                "never sent: the push was interrupted before its request went out and the intent was not "
                                        + "read again"), Source.PUSH, null);
                    } else if (!applyWaitingCallbacks(connection, attempt)) {
                        if (started.isAfter(now.minus(interruptedPushes.callbackWait()))) {
                            continue; // its stored callbacks decided nothing (unproven): it waits on
                        }
                        resolve(connection, attempt, Resolution.of(Status.UNKNOWN, "PUSH_INTERRUPTED", false, null,
                                "the push may have been sent but neither its answer nor a callback came within "
                                        + interruptedPushes.callbackWait()), Source.PUSH, null);
                        queryIfAwaiting(connection, attemptId);
                    }
                    decided++;
                }
            }
            return decided;
        });
    }

    /**
     * A transition of a row this transaction holds (locked, or inserted by it) changes exactly that row: any other count
     * means the ledger is not what this code believes, and the whole transaction is rolled back.
     */
    private static void exactlyOne(int rows, String transition, String attemptId) {
        if (rows != 1) {
            throw new IllegalStateException(transition + " of attempt " + attemptId + " changed " + rows + " rows, not 1");
        }
    }

    private static List<String> ids(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            bind(select, parameters);
            List<String> ids = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        }
    }

    /** The W3C trace context the attempt's intent was processed in; {@link Tracing.TraceContext#NONE} when it was untraced. */
    public Tracing.TraceContext traceContextOf(String attemptId) {
        return transactions.inTransaction(connection -> Rows.select(connection, Sql.of("attempt-trace-context"),
                row -> new Tracing.TraceContext(row.getString("trace_parent"), row.getString("trace_state")), attemptId)
                .stream().findFirst().orElse(Tracing.TraceContext.NONE));
    }

    public Optional<Attempt> findByCheckoutRequestId(String checkoutRequestId) {
        return transactions.inTransaction(connection -> load(connection, "attempt-by-checkout", checkoutRequestId));
    }

    /** Stores a callback (inbox) and applies it when the attempt is waiting for its result. */
    public CallbackDisposition receiveCallback(String attemptId, StkCallback callback, String rawBody) {
        return transactions.inTransaction(connection -> {
            Optional<Attempt> found = load(connection, "attempt-by-id-for-update", attemptId);
            found.ifPresent(Correlation::attempt);
            if (found.isPresent() && found.get().checkoutRequestId() == null && callback.checkoutRequestId() != null) {
                MDC.put(Correlation.CHECKOUT_REQUEST_ID, callback.checkoutRequestId());
            }
            boolean answerOverdue = found.isPresent() && found.get().status() == Status.PENDING_PUSH
                    && pushAnswerOverdue(connection, attemptId);
            CallbackDisposition disposition = found.isPresent() ? decide(connection, found.get(), callback, answerOverdue)
                    : CallbackDisposition.UNKNOWN_ATTEMPT;
            long callbackId = insertCallback(connection, attemptId, callback, rawBody, disposition);
            if (disposition == CallbackDisposition.APPLIED || disposition == CallbackDisposition.CORRECTION) {
                // Daraja's callback decided: a success still awaiting its Query is history now
                setDispositions(connection, awaitingQuery(connection, attemptId), CallbackDisposition.ALREADY_FINAL);
                applyCallback(connection, found.get(), callback, disposition == CallbackDisposition.CORRECTION);
            } else if (disposition == CallbackDisposition.ALREADY_FINAL) {
                keepReceipt(connection, found.get(), callback);
            } else if (disposition == CallbackDisposition.AWAITING_QUERY
                    || (disposition == CallbackDisposition.UNPROVEN_SUCCESS && found.get().status() == Status.ACCEPTED)) {
                // Daraja's own answer settles it: the attempt is queried at the sweeper's next pass
                queryNow(connection, attemptId);
            }
            LOG.info("Callback {} for attempt {} (CheckoutRequestID {}, ResultCode {}): {}", callbackId, attemptId,
                    callback.checkoutRequestId(), callback.resultCode(), disposition);
            return disposition;
        });
    }

    /**
     * Whether the attempt's push request started longer ago than any push can wait for Daraja's answer: then no push will
     * record one (the process that sent it died, or it is frozen), and a callback decides the attempt itself.
     */
    private boolean pushAnswerOverdue(Connection connection, String attemptId) throws SQLException {
        OffsetDateTime started = timeOf(connection, "attempt-push-started-at", attemptId);
        return started != null && started.isBefore(now().minus(interruptedPushes.answerDeadline()));
    }

    private CallbackDisposition decide(Connection connection, Attempt attempt, StkCallback callback, boolean pushAnswerOverdue)
            throws SQLException {
        if (attempt.checkoutRequestId() != null && !attempt.checkoutRequestId().equals(callback.checkoutRequestId())) {
            LOG.warn("Callback for attempt {} names CheckoutRequestID {} but the attempt has {}: not applied",
                    attempt.attemptId(), callback.checkoutRequestId(), attempt.checkoutRequestId());
            return CallbackDisposition.CHECKOUT_MISMATCH;
        }
        if (attempt.checkoutRequestId() == null && callback.checkoutRequestId() != null
                && load(connection, "attempt-by-checkout", callback.checkoutRequestId()).isPresent()) {
            // another attempt's callback replayed on this attempt's URL: its STK Query would "confirm" the other payment
            LOG.warn("Callback for attempt {} names CheckoutRequestID {}, which belongs to another attempt: not applied",
                    attempt.attemptId(), callback.checkoutRequestId());
            return CallbackDisposition.CHECKOUT_MISMATCH;
        }
        if (attempt.createdAt().plus(callbackWindow).isBefore(now())) {
            LOG.warn("Callback for attempt {} arrived more than {} after the attempt: kept in its history, not applied",
                    attempt.attemptId(), callbackWindow);
            return CallbackDisposition.TOO_LATE;
        }
        if (ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).isEmpty()) {
            return CallbackDisposition.STILL_PROCESSING;
        }
        if (unprovenSuccess(attempt, callback)) {
            LOG.error("SUCCESS callback for attempt {} does not prove the payment (amount {} vs {}, phone {} vs {}, receipt {}): "
                            + "kept in its history, not applied; STK Query decides", attempt.attemptId(), callback.amount(),
                    attempt.amount(), PhoneNumbers.mask(callback.phoneNumber()), PhoneNumbers.mask(attempt.phoneNumber()),
                    callback.mpesaReceiptNumber() == null ? "missing" : "present");
            return CallbackDisposition.UNPROVEN_SUCCESS;
        }
        return switch (attempt.status()) {
            case PENDING_PUSH -> !pushAnswerOverdue ? CallbackDisposition.WAITING_FOR_PUSH_ANSWER
                    : verifyEverySuccess && isSuccess(callback) ? CallbackDisposition.AWAITING_QUERY
                    : CallbackDisposition.APPLIED;
            case ACCEPTED -> verifyEverySuccess && isSuccess(callback) ? CallbackDisposition.AWAITING_QUERY
                    : CallbackDisposition.APPLIED;
            default -> {
                Status said = ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).get().status();
                if (said == attempt.status()) {
                    yield CallbackDisposition.ALREADY_FINAL;
                }
                if (correctable(attempt) && said == Status.SUCCEEDED) {
                    // a leaked callback URL must not turn an outcome into a payment: Daraja's Query has to agree first
                    LOG.warn("Callback for attempt {} says SUCCEEDED after the attempt was published as {} {} (source {}): "
                            + "kept; asking STK Query before publishing a correction", attempt.attemptId(),
                            attempt.status(), attempt.reason() == null ? "" : attempt.reason(), attempt.source());
                    yield CallbackDisposition.AWAITING_QUERY;
                }
                if (correctable(attempt)) {
                    LOG.warn("CORRECTION: callback for attempt {} says {} after the attempt was published as {} {} (source {}): "
                            + "publishing a correction event", attempt.attemptId(), said, attempt.status(),
                            attempt.reason() == null ? "" : attempt.reason(), attempt.source());
                    yield CallbackDisposition.CORRECTION;
                }
                LOG.error("CONFLICT: late callback for attempt {} says {} but the attempt is final {} {} (source {}) and cannot "
                        + "be corrected again: kept in its history, needs review", attempt.attemptId(), said, attempt.status(),
                        attempt.reason() == null ? "" : attempt.reason(), attempt.source());
                yield CallbackDisposition.ALREADY_FINAL;
            }
        };
    }

    /**
     * A callback is Daraja's own word on the payment, so it may correct, once, an outcome that was only inferred:
     * a Query answer, or an UNKNOWN from a push whose answer was lost or an attempt that was given up on.
     * It never overrides a push Daraja refused, an earlier callback, or a mismatch flagged for review.
     */
    private static boolean correctable(Attempt attempt) {
        if (attempt.corrected()) {
            return false;
        }
        if (Source.QUERY.name().equals(attempt.source())) {
            return true;
        }
        return attempt.status() == Status.UNKNOWN && List.of("PUSH_OUTCOME_UNKNOWN", "PUSH_INTERRUPTED", "UNRESOLVED")
                .contains(attempt.reason());
    }

    /**
     * A success callback that agrees with a SUCCEEDED outcome published without a receipt (decided by STK Query) brings
     * the receipt number downstream reconciles with: kept, and published as a receipt event, once. Only a callback for
     * the attempt's amount and phone may supply it.
     */
    private void keepReceipt(Connection connection, Attempt attempt, StkCallback callback) throws SQLException {
        boolean bringsMissingReceipt = attempt.status() == Status.SUCCEEDED && attempt.mpesaReceiptNumber() == null
                && callback.mpesaReceiptNumber() != null && "0".equals(callback.resultCode());
        if (!bringsMissingReceipt) {
            return;
        }
        OffsetDateTime now = now();
        if (update(connection, Sql.of("attempt-set-receipt"), callback.mpesaReceiptNumber(), callback.transactionDate(),
                now, attempt.attemptId()) == 0) {
            // an earlier callback brought it already: once is enough
            return;
        }
        Attempt withReceipt = reloadLocked(connection, attempt.attemptId());
        enqueue(connection, events.receiptOf(withReceipt, now));
        LOG.info("Attempt {}: receipt {} arrived after its outcome was published: receipt event queued", attempt.attemptId(),
                callback.mpesaReceiptNumber());
    }

    private record WaitingCallback(long callbackId, String rawBody) {
    }

    /**
     * Callbacks that arrived before the push answer was recorded; true when one of them resolved the attempt. The caller
     * holds the attempt's row lock.
     */
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
            Attempt current = reloadLocked(connection, attempt.attemptId());
            boolean unproven = unprovenSuccess(current, callback);
            boolean applicable = !unproven && !current.status().isFinal()
                    && (current.checkoutRequestId() == null || current.checkoutRequestId().equals(callback.checkoutRequestId()));
            boolean toVerify = applicable && verifyEverySuccess && isSuccess(callback);
            if (toVerify && current.status() == Status.ACCEPTED) {
                queryNow(connection, current.attemptId());
            } else if (applicable && !toVerify) {
                applyCallback(connection, current, callback, false);
                resolved = true;
            }
            CallbackDisposition disposition = toVerify ? CallbackDisposition.AWAITING_QUERY
                    : applicable ? CallbackDisposition.APPLIED
                    : unproven ? CallbackDisposition.UNPROVEN_SUCCESS : CallbackDisposition.ALREADY_FINAL;
            exactlyOne(update(connection, Sql.of("callback-set-disposition"), disposition.name(), next.callbackId()),
                    "callback disposition", attempt.attemptId());
        }
        return resolved;
    }

    private void applyCallback(Connection connection, Attempt attempt, StkCallback callback, boolean correction)
            throws SQLException {
        Resolution resolution = ResultCodes.resolve(callback.resultCode(), callback.resultDesc()).orElseThrow();
        if (correction) {
            exactlyOne(update(connection, Sql.of("attempt-set-corrected"), attempt.attemptId()), "corrected", attempt.attemptId());
        }
        resolve(connection, attempt, resolution, Source.CALLBACK, callback, correction);
    }

    /**
     * Paid only with proof: ResultCode 0 with the receipt, the amount we asked for and the phone we prompted. The
     * callback is unsigned and its URL may leak (ingress and APM logs), so a success without them decides nothing.
     */
    private static boolean unprovenSuccess(Attempt attempt, StkCallback callback) {
        return isSuccess(callback) && !provesPayment(attempt, callback);
    }

    private static boolean isSuccess(StkCallback callback) {
        return ResultCodes.resolve(callback.resultCode(), callback.resultDesc())
                .map(resolution -> resolution.status() == Status.SUCCEEDED).orElse(false);
    }

    private static boolean provesPayment(Attempt attempt, StkCallback callback) {
        return callback.mpesaReceiptNumber() != null && callback.amount() != null && callback.phoneNumber() != null
                && attempt.amount() != null && callback.amount().compareTo(BigDecimal.valueOf(attempt.amount())) == 0
                && callback.phoneNumber().equals(attempt.phoneNumber());
    }

    private Attempt resolve(Connection connection, Attempt attempt, Resolution resolution, Source source,
                            StkCallback callback) throws SQLException {
        return resolve(connection, attempt, resolution, source, callback, false);
    }

    private Attempt resolve(Connection connection, Attempt attempt, Resolution resolution, Source source,
                            StkCallback callback, boolean correction) throws SQLException {
        OffsetDateTime now = now();
        boolean paid = resolution.status() == Status.SUCCEEDED;
        AttemptTransition transition = AttemptTransition.of(attempt.status(), resolution.status(), correction);
        if (source == Source.CALLBACK && callback != null && attempt.checkoutRequestId() == null) {
            // no push answer was recorded: the callback names the push it decides
            String checkout = truncate(callback.checkoutRequestId(), 64);
            update(connection, Sql.of("attempt-set-callback-ids"), truncate(callback.merchantRequestId(), 64), checkout,
                    attempt.attemptId(), checkout);
        }
        exactlyOne(update(connection, Sql.of("attempt-set-final"), resolution.status().name(), resolution.reason(),
                resolution.retryable(), truncate(resolution.resultCode(), 32), truncate(resolution.resultDesc(), 512),
                source.name(), paid && callback != null ? callback.mpesaReceiptNumber() : null,
                callback != null ? callback.transactionDate() : null, now, now, attempt.attemptId(), transition.from.name()),
                transition.name(), attempt.attemptId());
        Attempt resolved = reloadLocked(connection, attempt.attemptId());
        enqueue(connection, resolved, now, correction);
        LOG.info("Attempt {} for intent {} is {}{} (source {}, ResultCode {})", resolved.attemptId(), resolved.intentId(),
                resolved.status(), resolved.reason() == null ? "" : " " + resolved.reason(), source,
                resolved.resultCode());
        return resolved;
    }

    private void enqueue(Connection connection, Attempt attempt, OffsetDateTime now, boolean correction) throws SQLException {
        enqueue(connection, correction ? events.correctionOf(attempt, now) : events.of(attempt, now));
    }

    private static void enqueue(Connection connection, OutcomeEvent event) throws SQLException {
        update(connection, Sql.of("outbox-insert"), event.eventId(), event.attemptId(), event.key(), event.type(),
                event.payload(), event.occurredAt(), event.attemptId(), event.attemptId());
    }

    public Optional<Attempt> find(String attemptId) {
        return transactions.inTransaction(connection -> load(connection, "attempt-by-id", attemptId));
    }

    /** The attempt named by its attempt id or by its CheckoutRequestID, as support tools take either. */
    public Optional<Attempt> findByAttemptOrCheckoutId(String id) {
        return transactions.inTransaction(connection -> loadByAttemptOrCheckoutId(connection, id));
    }

    static Optional<Attempt> loadByAttemptOrCheckoutId(Connection connection, String id) throws SQLException {
        Optional<Attempt> attempt = load(connection, "attempt-by-id", id);
        return attempt.isPresent() ? attempt : load(connection, "attempt-by-checkout", id);
    }

    public Optional<Attempt> findByIntent(String intentId) {
        return transactions.inTransaction(connection -> load(connection, "attempt-by-intent", intentId));
    }

    private void insert(Connection connection, String attemptId, String intentId, String hash, String orderId,
                        String merchant, Integer amount, String phone, String accountReference, String description,
                        String transactionType, String intentJson, String metadataJson, String pushRequestJson,
                        Status status) throws SQLException {
        OffsetDateTime now = now();
        Tracing.TraceContext trace = Tracing.current();
        update(connection, Sql.of("attempt-insert"), attemptId, intentId, hash, orderId, merchant, amount, phone,
                accountReference, description, transactionType, intentJson, metadataJson, pushRequestJson,
                status.name(), null, false, null, null, null, now, now, null, trace.traceParent(), trace.traceState());
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

    static Optional<Attempt> load(Connection connection, String where, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(Sql.of("attempt-select-columns", where))) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(attempt(row)) : Optional.empty();
            }
        }
    }

    /**
     * The attempt as this transaction sees it, for a row it holds locked already (its FOR UPDATE, its INSERT, or an UPDATE
     * that changed it): a second FOR UPDATE would lock nothing more, and H2 parses a FOR UPDATE query again at every use
     * (it never keeps one in its statement cache).
     */
    private static Attempt reloadLocked(Connection connection, String attemptId) throws SQLException {
        return load(connection, "attempt-by-id", attemptId).orElseThrow();
    }

    static Attempt attempt(ResultSet row) throws SQLException {
        return new Attempt(row.getString(column("attempt_id")), row.getString(column("intent_id")),
                row.getString(column("intent_hash")), row.getString(column("order_id")), row.getString(column("merchant")),
                row.getObject(column("amount"), Integer.class), row.getString(column("phone_number")),
                row.getString(column("account_reference")), row.getString(column("description")),
                row.getString(column("transaction_type")), row.getString(column("metadata_json")),
                Status.valueOf(row.getString(column("status"))), row.getString(column("reason")),
                row.getBoolean(column("retryable")), row.getString(column("result_code")),
                row.getString(column("result_desc")), row.getString(column("source")),
                row.getString(column("merchant_request_id")), row.getString(column("checkout_request_id")),
                row.getString(column("mpesa_receipt_number")), row.getString(column("transaction_date")),
                row.getObject(column("created_at"), OffsetDateTime.class),
                row.getObject(column("updated_at"), OffsetDateTime.class),
                row.getObject(column("give_up_at"), OffsetDateTime.class), row.getBoolean(column("corrected")));
    }

    /**
     * A column's position in {@code attempt-select-columns}, which every read of a whole attempt selects: H2 finds a column
     * by its label by upper-casing every label of the result, for each result, and most results here are one row.
     */
    private static int column(String name) {
        Integer position = ATTEMPT_COLUMNS.get(name);
        if (position == null) {
            throw new IllegalArgumentException(name + " is not in attempt-select-columns");
        }
        return position;
    }

    /**
     * Runs one statement; returns how many rows it changed. An INSERT changes one or throws. For an UPDATE, every caller
     * checks the count: {@link #exactlyOne} for a row its transaction holds, or the 0-row case handled on purpose.
     */
    static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            return statement.executeUpdate();
        }
    }

    /** What the ledger stores instead of a NUL character, which PostgreSQL text cannot hold: U+FFFD (replacement). */
    static final char NUL_REPLACEMENT = '\uFFFD';

    /**
     * Binds the parameters in order. Text is stored without NUL characters (each becomes {@link #NUL_REPLACEMENT}) on every
     * ledger, so that an intent echoing one in a field (a merchant name, an unknown property) is stored, rejected and
     * answered the same on H2 and PostgreSQL, instead of failing the statement on PostgreSQL for ever.
     */
    static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            Object value = parameters[i];
            if (value == null) {
                statement.setNull(i + 1, Types.NULL);
            } else if (value instanceof String text) {
                statement.setString(i + 1, text.replace('\u0000', NUL_REPLACEMENT));
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
