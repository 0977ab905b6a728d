package io.stkbridge.daraja;

import io.stkbridge.Correlation;
import io.stkbridge.StkMetrics;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A push that ended without Daraja accepting it. Whether the customer may have been prompted decides: when nothing
 * was sent (Daraja unreachable, or busy after the re-sends) the attempt is deferred and pushes pause; anything that
 * may have been sent without an answer is UNKNOWN.
 */
public class PushFailures {

    private final AttemptLedger ledger;
    private final DarajaOutage outage;
    private final Clock clock;
    private final StkMetrics metrics;

    public PushFailures(AttemptLedger ledger, DarajaOutage outage, Clock clock, StkMetrics metrics) {
        this.ledger = ledger;
        this.outage = outage;
        this.clock = clock;
        this.metrics = metrics;
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
     */
    public void record(Attempt attempt, String owner, PushAnswer answer) {
        Resolution refusal = answer.resolution();
        if (!answer.accepted() && refusal != null && "DARAJA_BUSY".equals(refusal.reason())) {
            metrics.pushed(attempt, "DEFERRED", "DARAJA_BUSY");
            defer(attempt, owner, "DARAJA_BUSY", outage.begin("busy: " + refusal.resultCode()), true, refusal);
            return;
        }
        if (answer.accepted()) {
            metrics.pushed(attempt, "ACCEPTED", null);
        } else if (refusal != null) {
            metrics.pushed(attempt, refusal);
        }
        ledger.recordPushAnswer(attempt, owner, answer);
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
        Resolution unknown = Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, null,
                "no answer from Daraja after sending (" + failure.getClass().getSimpleName() + "): the customer may have been prompted");
        metrics.pushed(attempt, unknown);
        return ledger.resolvePush(attempt, owner, unknown);
    }
}
