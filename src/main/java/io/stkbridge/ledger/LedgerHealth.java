package io.stkbridge.ledger;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/** Readiness: the ledger answers, and the outbox backlog (events not yet on Kafka) is under its threshold. */
public class LedgerHealth extends AbstractHealthCheck {

    private final Outbox outbox;
    private final int maxOutboxBacklog;

    public LedgerHealth(Outbox outbox, int maxOutboxBacklog) {
        super("stk-bridge", "ledger");
        this.outbox = outbox;
        this.maxOutboxBacklog = maxOutboxBacklog;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            long backlog = outbox.backlog();
            builder.detail("outbox.backlog", backlog);
            if (backlog > maxOutboxBacklog) {
                builder.message("outbox backlog " + backlog + " above " + maxOutboxBacklog).down();
            } else {
                builder.up();
            }
        } catch (Exception e) {
            builder.message("ledger unreachable: " + e.getClass().getSimpleName()).down();
        }
    }
}
