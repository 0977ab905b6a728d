package io.stkbridge.daraja;

import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

/**
 * A push that ended in an exception instead of an answer. Whether the customer may have been prompted decides
 * the outcome: a connection that was never made is a definite FAILED; anything after sending is UNKNOWN.
 */
public class PushFailures {

    private final AttemptLedger ledger;

    public PushFailures(AttemptLedger ledger) {
        this.ledger = ledger;
    }

    public Attempt unreachable(Attempt attempt, Exception failure) {
        return ledger.resolvePush(attempt, Resolution.of(Status.FAILED, "PUSH_FAILED", true, null,
                "Daraja unreachable, nothing was sent: " + failure.getClass().getSimpleName()));
    }

    public Attempt credentialsRefused(Attempt attempt, Exception failure) {
        return ledger.resolvePush(attempt, Resolution.of(Status.FAILED, "CONFIG_ERROR", false, null, failure.getMessage()));
    }

    public Attempt outcomeUnknown(Attempt attempt, Exception failure) {
        return ledger.resolvePush(attempt, Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, null,
                "no answer from Daraja after sending (" + failure.getClass().getSimpleName() + "): the customer may have been prompted"));
    }
}
