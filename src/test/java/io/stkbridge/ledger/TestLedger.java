package io.stkbridge.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.testing.PostgresSchemas;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A migrated ledger for tests of the ledger's SQL: an in-memory H2 database, or a fresh schema on the test PostgreSQL
 * (skipped, or failed with STK_REQUIRE_POSTGRES=true, when that is unreachable; see {@link PostgresSchemas}).
 */
final class TestLedger implements AutoCloseable {

    final HikariDataSource dataSource;
    final Transactions transactions;
    private final PostgresSchemas pg;

    private TestLedger(HikariDataSource dataSource, PostgresSchemas pg) {
        this.dataSource = dataSource;
        this.transactions = new Transactions(dataSource, H2GroupCommit.forLedger(dataSource.getJdbcUrl(), Duration.ZERO));
        this.pg = pg;
        Flyway.configure().dataSource(dataSource).load().migrate();
    }

    static TestLedger open(String database) {
        HikariConfig config = new HikariConfig();
        config.setMaximumPoolSize(12);
        PostgresSchemas pg = null;
        if (database.equals("PostgreSQL")) {
            pg = PostgresSchemas.createOrSkip();
            config.setJdbcUrl(pg.appUrl());
            config.setUsername(pg.user());
            config.setPassword(pg.password());
        } else {
            config.setJdbcUrl("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            config.setUsername("sa");
        }
        return new TestLedger(new HikariDataSource(config), pg);
    }

    /** An outbox event row for the attempt, returning its outbox_id. */
    long event(String attemptId, String key, OffsetDateTime occurredAt, OffsetDateTime publishedAt) {
        String eventId = UUID.randomUUID().toString();
        execute("INSERT INTO stk_outbox (event_id, attempt_id, event_key, event_type, payload, occurred_at, published_at) "
                + "VALUES (?, ?, ?, 'io.stkbridge.stk.outcome.accepted', '{}', ?, ?)", eventId, attemptId, key, occurredAt, publishedAt);
        return Long.parseLong(value("SELECT outbox_id FROM stk_outbox WHERE event_id = ?", eventId));
    }

    String eventId(long outboxId) {
        return value("SELECT event_id FROM stk_outbox WHERE outbox_id = ?", outboxId);
    }

    /** An attempt row with the given status and times (resolvedAt null for one still waiting). */
    void attempt(String attemptId, String status, OffsetDateTime createdAt, OffsetDateTime resolvedAt) {
        execute("INSERT INTO stk_attempt (attempt_id, intent_id, intent_hash, order_id, intent_json, status, created_at, "
                + "updated_at, resolved_at) VALUES (?, ?, 'h', ?, '{}', ?, ?, ?, ?)", attemptId, "intent-" + attemptId,
                "order-" + attemptId, status, createdAt, resolvedAt == null ? createdAt : resolvedAt, resolvedAt);
    }

    /** An ACCEPTED attempt of the merchant (phone 254708374149, CheckoutRequestID ws_CO_ + its id) waiting for a query. */
    void accepted(String attemptId, String merchant, OffsetDateTime acceptedAt, OffsetDateTime nextQueryAt,
                  OffsetDateTime giveUpAt) {
        attempt(attemptId, "ACCEPTED", acceptedAt, null);
        execute("UPDATE stk_attempt SET merchant = ?, amount = 10, phone_number = '254708374149', checkout_request_id = ?, "
                + "next_query_at = ?, give_up_at = ? WHERE attempt_id = ?", merchant, "ws_CO_" + attemptId, nextQueryAt,
                giveUpAt, attemptId);
    }

    void callback(String attemptId, OffsetDateTime receivedAt) {
        callback(attemptId, receivedAt, "APPLIED");
    }

    void callback(String attemptId, OffsetDateTime receivedAt, String disposition) {
        execute("INSERT INTO stk_callback (attempt_id, raw_body, received_at, disposition) VALUES (?, '{}', ?, ?)",
                attemptId, receivedAt, disposition);
    }

    void query(String attemptId, OffsetDateTime requestedAt) {
        execute("INSERT INTO stk_query (attempt_id, requested_at, interpretation, trigger_source) VALUES (?, ?, 'FINAL', 'SWEEP')",
                attemptId, requestedAt);
    }

    int execute(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            AttemptLedger.bind(statement, parameters);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    List<String> column(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement select = connection.prepareStatement(sql)) {
            AttemptLedger.bind(select, parameters);
            List<String> values = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    String value(String sql, Object... parameters) {
        List<String> values = column(sql, parameters);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void close() throws Exception {
        dataSource.close();
        if (pg != null) {
            pg.close();
        }
    }
}
