package io.stkbridge.ledger;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

/** Readiness: the ledger answers, and the outbox backlog (events not yet on Kafka) is under its threshold. */
public class LedgerHealth extends AbstractHealthCheck {

    private final DataSource dataSource;
    private final int maxOutboxBacklog;

    public LedgerHealth(DataSource dataSource, int maxOutboxBacklog) {
        super("stk-bridge", "ledger");
        this.dataSource = dataSource;
        this.maxOutboxBacklog = maxOutboxBacklog;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(Sql.of("outbox-backlog"));
             ResultSet row = select.executeQuery()) {
            row.next();
            long backlog = row.getLong(1);
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
