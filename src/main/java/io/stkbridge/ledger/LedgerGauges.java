package io.stkbridge.ledger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Gauges read from the ledger when scraped: attempts waiting for a result, the oldest one's age, the outbox backlog, the
 * query backlog and its drain time.
 */
public class LedgerGauges {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerGauges.class);

    private final DataSource dataSource;
    private final Outbox outbox;
    private final StaleAttempts staleAttempts;
    private final Clock clock;

    public LedgerGauges(DataSource dataSource, Outbox outbox, StaleAttempts staleAttempts, Clock clock) {
        this.dataSource = dataSource;
        this.outbox = outbox;
        this.staleAttempts = staleAttempts;
        this.clock = clock;
    }

    public void bindTo(MeterRegistry registry) {
        Gauge.builder("stk.attempts.in.flight", this, g -> g.waiting()[0])
                .description("Attempts waiting for a result (PENDING_PUSH, DEFERRED, ACCEPTED)").strongReference(true).register(registry);
        Gauge.builder("stk.attempts.oldest.pending.seconds", this, g -> g.waiting()[1])
                .description("Age of the oldest attempt still waiting for a result").strongReference(true).register(registry);
        Gauge.builder("stk.outbox.backlog", this, LedgerGauges::backlog)
                .description("Outcome events committed but not yet published to Kafka").strongReference(true).register(registry);
        Gauge.builder("stk.query.backlog", this, g -> g.queryBacklog()[0])
                .description("Attempts whose STK Query is due now").strongReference(true).register(registry);
        Gauge.builder("stk.query.backlog.drain.seconds", this, g -> g.queryBacklog()[1])
                .description("How long the query backlog takes at STK_QUERY_TPS_PER_SHORTCODE (all instances together)")
                .strongReference(true).register(registry);
    }

    private double[] queryBacklog() {
        try {
            StaleAttempts.QueryBacklog backlog = staleAttempts.queryBacklog();
            return new double[]{backlog.attempts(), backlog.drainSeconds()};
        } catch (Exception e) {
            LOG.warn("ledger gauges unavailable: {}", e.toString());
            return new double[]{Double.NaN, Double.NaN};
        }
    }

    private double[] waiting() {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(Sql.of("attempts-waiting"));
             ResultSet row = select.executeQuery()) {
            row.next();
            OffsetDateTime oldest = row.getObject(2, OffsetDateTime.class);
            double age = oldest == null ? 0 : Duration.between(oldest, OffsetDateTime.now(clock)).toSeconds();
            return new double[]{row.getLong(1), age};
        } catch (Exception e) {
            LOG.warn("ledger gauges unavailable: {}", e.toString());
            return new double[]{Double.NaN, Double.NaN};
        }
    }

    private double backlog() {
        try {
            return outbox.backlog();
        } catch (Exception e) {
            LOG.warn("ledger gauges unavailable: {}", e.toString());
            return Double.NaN;
        }
    }
}
