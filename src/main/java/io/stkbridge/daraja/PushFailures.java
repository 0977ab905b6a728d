package io.stkbridge.daraja;

import io.stkbridge.Correlation;
import io.stkbridge.StkMetrics;
import io.stkbridge.WorkSlots;
import io.stkbridge.intent.PhoneNumbers;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.LedgerException;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;

/**
 * A push that ended without Daraja accepting it. Whether the customer may have been prompted decides: when nothing
 * was sent (Daraja unreachable, or busy after the re-sends) the attempt is deferred and pushes pause; anything that
 * may have been sent without an answer is UNKNOWN.
 */
public class PushFailures {

    private static final Logger LOG = LoggerFactory.getLogger(PushFailures.class);
    private static final long FIRST_RECORD_BACKOFF_MS = 50;
    private static final long MAX_RECORD_BACKOFF_MS = 1000;

    private final AttemptLedger ledger;
    private final DarajaOutage outage;
    private final Clock clock;
    private final StkMetrics metrics;
    /** STK_PUSH_ANSWER_RECORD_RETRY_MS: how long Daraja's answer is recorded again while the ledger fails. */
    private final Duration answerRecordRetry;
    private final WorkSlots slots;

    public PushFailures(AttemptLedger ledger, DarajaOutage outage, Clock clock, StkMetrics metrics,
                        Duration answerRecordRetry, WorkSlots slots) {
        this.ledger = ledger;
        this.outage = outage;
        this.clock = clock;
        this.metrics = metrics;
        this.answerRecordRetry = answerRecordRetry;
        this.slots = slots;
    }

    /**
     * During a pause nothing is sent: the attempt waits as DEFERRED, or is FAILED if it has met the outage for longer
     * than the give-up time. Returns whether it is held back, i.e. must not be sent now: true whenever Daraja is paused,
     * whatever became of the attempt (deferred, given up, or no longer waiting for its push).
     */
    public boolean deferIfPaused(Attempt attempt, String owner) {
        Correlation.attempt(attempt);
        if (!outage.isPaused()) {
            return false;
        }
        defer(attempt, owner, "DARAJA_UNAVAILABLE", outage.resumesAt(), false,
                Resolution.of(Status.FAILED, "PUSH_FAILED", true, null, "Daraja unavailable; nothing was sent"));
        return true;
    }

    /** Daraja could not be reached even after the retries: nothing was sent, so the attempt is deferred. */
    public Attempt unreachable(Attempt attempt, String owner, Exception failure) {
        String cause = failure.getClass().getSimpleName();
        metrics.pushed(attempt, "DEFERRED", "DARAJA_UNAVAILABLE");
        defer(attempt, owner, "DARAJA_UNAVAILABLE", outage.begin("unreachable: " + cause), true,
                Resolution.of(Status.FAILED, "PUSH_FAILED", true, null, "Daraja unreachable, nothing was sent: " + cause));
        return attempt;
    }

    /**
     * Records Daraja's answer, except a busy refusal that outlasted the re-sends (spike arrest, 429): the customer was
     * not prompted, so the attempt is deferred and pushes pause.
     * <p>
     * Only this run knows the answer: a failure of the ledger while it is recorded (a connection broken, the transaction
     * ended by PostgreSQL, the pool timing out, H2's store failing) does not lose it. It is recorded again, each time in
     * a transaction of its own on a connection taken anew from the pool, with backoff, for up to
     * {@code answerRecordRetry}; nothing is sent again. A try that finds the attempt decided by someone else changes
     * nothing, as the first would have; one that finds its own earlier try committed (its acknowledgement lost) publishes
     * nothing more: each try commits the attempt's change and its outcome event together, guarded by the attempt's
     * state. Once the time is up the failure is left as it was: the attempt waits for its callback or the sweeper.
     */
    public void record(Attempt attempt, String owner, PushAnswer answer) throws Exception {
        Resolution refusal = answer.resolution();
        if (!answer.accepted() && refusal != null && "DARAJA_BUSY".equals(refusal.reason())) {
            metrics.pushed(attempt, "DEFERRED", "DARAJA_BUSY");
            Instant pushAgainAt = outage.begin("busy: " + refusal.resultCode());
            recordRetrying(attempt, answer, () -> defer(attempt, owner, "DARAJA_BUSY", pushAgainAt, true, refusal));
            return;
        }
        if (answer.accepted()) {
            metrics.pushed(attempt, "ACCEPTED", null);
        } else if (refusal != null) {
            metrics.pushed(attempt, refusal);
        }
        recordRetrying(attempt, answer, () -> ledger.recordPushAnswer(attempt, owner, answer));
    }

    private void recordRetrying(Attempt attempt, PushAnswer answer, Runnable write) throws Exception {
        long deadline = System.nanoTime() + answerRecordRetry.toNanos();
        long backoffMs = FIRST_RECORD_BACKOFF_MS;
        for (int tries = 1; ; tries++) {
            try {
                write.run();
                if (tries > 1) {
                    LOG.info("Daraja's answer to the push of attempt {} ({}) recorded at try {}", attempt.attemptId(),
                            describe(answer), tries);
                }
                return;
            } catch (LedgerException failure) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    throw notRecorded(attempt, answer, failure, tries, "the ledger still failing after "
                            + answerRecordRetry.toMillis() + " ms");
                }
                if (tries == 1) {
                    LOG.warn("Daraja's answer to the push of attempt {} ({}) could not be recorded ({}): recording it "
                            + "again for up to {} ms; the push is not sent again", attempt.attemptId(), describe(answer),
                            describe(failure), answerRecordRetry.toMillis());
                }
                try {
                    // a wait like the others of an intake thread: its working slot goes to the others meanwhile
                    slots.pause(Math.min(backoffMs, leftMs));
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                    throw notRecorded(attempt, answer, failure, tries, "interrupted (stk-bridge is stopping)");
                }
                backoffMs = Math.min(backoffMs * 2, MAX_RECORD_BACKOFF_MS);
            }
        }
    }

    /** Logs that the answer is lost to the ledger and returns the failure, to be left unhandled as before the retries. */
    private static LedgerException notRecorded(Attempt attempt, PushAnswer answer, LedgerException failure, int tries,
                                               String why) {
        LOG.error("Daraja's answer to the push of attempt {} for intent {} (phone {}) was NOT recorded ({}): {} ({} tries, "
                        + "last failure {}). The push is not sent again: its callback decides the attempt, or else the "
                        + "sweeper (UNKNOWN PUSH_INTERRUPTED after STK_INTERRUPTED_PUSH_WAIT_MS)", attempt.attemptId(),
                attempt.intentId(), PhoneNumbers.mask(attempt.phoneNumber()), describe(answer), why, tries,
                describe(failure));
        return failure;
    }

    /** The answer as the logs may show it: its result and CheckoutRequestID, never its raw body. */
    private static String describe(PushAnswer answer) {
        if (answer.accepted()) {
            return "ACCEPTED, CheckoutRequestID " + answer.checkoutRequestId();
        }
        Resolution refusal = answer.resolution();
        return refusal == null ? "no outcome" : refusal.status() + " " + refusal.reason() + ", ResultCode " + refusal.resultCode();
    }

    /**
     * The failure as the logs may show it: the driver's exception class and SQLState, never its message (PostgreSQL
     * quotes the failing row, with the customer's phone number, in some of them).
     */
    private static String describe(LedgerException failure) {
        SQLException cause = (SQLException) failure.getCause();
        return cause.getClass().getSimpleName() + ", SQLState " + cause.getSQLState();
    }

    private void defer(Attempt attempt, String owner, String why, Instant retryAt, boolean metOutage, Resolution failure) {
        ledger.defer(attempt, owner, why, OffsetDateTime.ofInstant(retryAt, clock.getZone()), metOutage,
                outage.giveUpAfter(), failure);
    }

    /** Before sending: the merchant's credentials were refused. Left to another run of the push that owns the attempt. */
    public Attempt credentialsRefused(Attempt attempt, String owner, Exception failure) {
        Resolution refused = Resolution.of(Status.FAILED, "CONFIG_ERROR", false, null, failure.getMessage());
        metrics.pushed(attempt, refused);
        return ledger.resolvePush(attempt, owner, refused);
    }

    public Attempt outcomeUnknown(Attempt attempt, String owner, Exception failure) {
        String why = failure.getClass().getSimpleName();
        if (failure instanceof DarajaCallCutException cut) {
            why = cut.getMessage();
            LOG.warn("The push of attempt {} was {}: UNKNOWN unless its callback has decided it; it is not sent again",
                    attempt.attemptId(), why);
        }
        Resolution unknown = Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, null,
                "no answer from Daraja after sending (" + why + "): the customer may have been prompted");
        metrics.pushed(attempt, unknown);
        return ledger.resolvePush(attempt, owner, unknown);
    }
}
