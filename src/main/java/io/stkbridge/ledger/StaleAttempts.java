package io.stkbridge.ledger;

import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.TpsLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** The sweeper's choices: which waiting attempts to query now, within the per-shortcode query rate. */
public class StaleAttempts {

    private static final Logger LOG = LoggerFactory.getLogger(StaleAttempts.class);

    private final AttemptLedger ledger;
    private final Merchants merchants;
    private final TpsLimiter queryRate;
    private final int batchSize;
    private final String instanceId;

    public StaleAttempts(AttemptLedger ledger, Merchants merchants, TpsLimiter queryRate, int batchSize, String instanceId) {
        this.ledger = ledger;
        this.merchants = merchants;
        this.queryRate = queryRate;
        this.batchSize = batchSize;
        this.instanceId = instanceId;
    }

    public List<Attempt> claimDue() {
        List<Attempt> due = ledger.claimDueForQuery(batchSize, instanceId,
                attempt -> merchants.isConfigured(attempt.merchant()),
                attempt -> queryRate.tryAcquire(merchants.byName(attempt.merchant()).shortcode()));
        if (!due.isEmpty()) {
            LOG.info("Querying Daraja for {} attempt(s) still waiting for their result", due.size());
        }
        return due;
    }

    /** A query forced over HTTP or Kafka waits for its turn under the same per-shortcode query rate as the sweeper's. */
    public void awaitQueryTurn(Attempt attempt) throws InterruptedException {
        queryRate.acquire(merchants.byName(attempt.merchant()).shortcode());
    }

    /** Whether this instance still holds the attempt (its claim renewed): only then is it queried. */
    public boolean stillHolds(Attempt attempt) {
        boolean held = ledger.renewQueryClaim(attempt.attemptId(), instanceId);
        if (!held) {
            LOG.info("Attempt {}: this instance's query claim lapsed before its turn; left to whoever holds it now",
                    attempt.attemptId());
        }
        return held;
    }

    public void closeInterruptedPushes() {
        int closed = ledger.closeInterruptedPushes(batchSize);
        if (closed > 0) {
            LOG.warn("{} attempt(s) still waiting for their push were decided: by a stored callback, else UNKNOWN (needs "
                    + "review) where the request had started longer ago than the callback wait; FAILED PUSH_FAILED (never "
                    + "sent) or DEFERRED again where it had never started", closed);
        }
    }
}
