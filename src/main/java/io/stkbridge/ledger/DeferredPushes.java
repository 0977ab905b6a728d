package io.stkbridge.ledger;

import io.stkbridge.daraja.DarajaOutage;

import java.util.List;

/** Which deferred attempts to push again now: none while Daraja is paused. */
public class DeferredPushes {

    private final AttemptLedger ledger;
    private final DarajaOutage outage;
    private final int batchSize;

    public DeferredPushes(AttemptLedger ledger, DarajaOutage outage, int batchSize) {
        this.ledger = ledger;
        this.outage = outage;
        this.batchSize = batchSize;
    }

    public List<Attempt> claimDue() {
        return outage.isPaused() ? List.of() : ledger.claimDeferred(batchSize);
    }
}
