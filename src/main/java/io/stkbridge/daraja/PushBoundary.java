package io.stkbridge.daraja;

import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptLedger;
import org.apache.camel.Exchange;

import java.util.UUID;

/**
 * The send boundary of a push: recorded in the ledger, in its own commit, right before each push request goes out
 * (after the rate-limit wait and the working slot). An attempt counts as possibly sent only from there on. Each run of
 * the push route owns its crossing; a copy of the intent that finds the boundary crossed by another run does not send.
 */
public class PushBoundary {

    /** The exchange property naming this run of the push route, the owner of its send boundary. */
    public static final String OWNER = "pushOwner";
    private static final String CALLING_DARAJA = "callingDaraja";

    private final AttemptLedger ledger;
    private final String instanceId;

    public PushBoundary(AttemptLedger ledger, String instanceId) {
        this.ledger = ledger;
        this.instanceId = instanceId;
    }

    /** A new owner for one run of the push route: this instance and a random id. */
    public String newOwner() {
        return instanceId + "/" + UUID.randomUUID();
    }

    /**
     * Crosses the boundary, or throws {@link PushOwnedElsewhereException} when the attempt must not be sent by this run.
     * A failure of the ledger here is the ledger's, never taken for Daraja being unreachable: nothing was sent.
     */
    public void cross(Attempt attempt, Exchange exchange) {
        exchange.setProperty(CALLING_DARAJA, false);
        if (!ledger.startPush(attempt, exchange.getProperty(OWNER, String.class))) {
            throw new PushOwnedElsewhereException(attempt);
        }
        exchange.setProperty(CALLING_DARAJA, true);
    }

    /** Daraja refused this run's request without prompting the customer, and the run sends it again: see {@link AttemptLedger#releasePush}. */
    public void release(Attempt attempt, Exchange exchange) {
        ledger.releasePush(attempt, exchange.getProperty(OWNER, String.class));
    }

    /** The attempt's push was started by another copy of its intent, or it no longer waits for a push: not sent. */
    public static final class PushOwnedElsewhereException extends RuntimeException {
        public PushOwnedElsewhereException(Attempt attempt) {
            super("attempt " + attempt.attemptId() + " of intent " + attempt.intentId()
                    + " is pushed by another copy of the intent or no longer waits for its push: not sent");
        }
    }
}
