package io.stkbridge.ledger;

import io.stkbridge.daraja.DarajaOutage;
import io.stkbridge.daraja.Merchants;

import java.util.List;

/**
 * Which deferred attempts to push again now: none while Daraja is paused. Those of a merchant that is no longer
 * configured are FAILED instead (nothing of theirs was sent).
 */
public class DeferredPushes {

    private final AttemptLedger ledger;
    private final DarajaOutage outage;
    private final Merchants merchants;
    private final int batchSize;

    public DeferredPushes(AttemptLedger ledger, DarajaOutage outage, Merchants merchants, int batchSize) {
        this.ledger = ledger;
        this.outage = outage;
        this.merchants = merchants;
        this.batchSize = batchSize;
    }

    public List<Attempt> claimDue() {
        return outage.isPaused() ? List.of()
                : ledger.claimDeferred(batchSize, attempt -> merchants.isConfigured(attempt.merchant()));
    }
}
