package io.stkbridge.testing;

import org.h2.api.Trigger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the ledger itself fail the writes that record Daraja's acceptance of one order's push (the update of its attempt
 * from PENDING_PUSH to ACCEPTED), a given number of times, and counts the tries. Nothing else of the ledger is touched.
 * On PostgreSQL the failing try's connection is ended under it ({@code pg_terminate_backend}, as a failover or
 * {@code idle_in_transaction_session_timeout} does); on H2 the update fails with an SQL error. Installed as a trigger,
 * through the running instance's own pool.
 */
public final class AcceptanceWriteFault {

    private final DataSource ledger;
    private final boolean postgres;

    private AcceptanceWriteFault(DataSource ledger, boolean postgres) {
        this.ledger = ledger;
        this.postgres = postgres;
    }

    public static AcceptanceWriteFault install(DataSource ledger) {
        try (Connection connection = ledger.getConnection(); Statement statement = connection.createStatement()) {
            boolean postgres = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
            if (postgres) {
                statement.execute("CREATE TABLE acceptance_write_fault (order_id VARCHAR(64) NOT NULL, failures INT NOT NULL)");
                // a sequence counts the tries: unlike a row, it is not rolled back with the try that fails
                statement.execute("CREATE SEQUENCE acceptance_write_tries");
                statement.execute("""
                        CREATE FUNCTION fail_acceptance_write() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE allowed_failures INT;
                        BEGIN
                          SELECT failures INTO allowed_failures FROM acceptance_write_fault WHERE order_id = NEW.order_id;
                          IF FOUND THEN
                            IF nextval('acceptance_write_tries') <= allowed_failures THEN
                              PERFORM pg_terminate_backend(pg_backend_pid());
                            END IF;
                          END IF;
                          RETURN NEW;
                        END $$""");
                statement.execute("CREATE TRIGGER acceptance_write_fault BEFORE UPDATE ON stk_attempt FOR EACH ROW "
                        + "WHEN (OLD.status = 'PENDING_PUSH' AND NEW.status = 'ACCEPTED') EXECUTE FUNCTION fail_acceptance_write()");
            } else {
                statement.execute("CREATE TRIGGER acceptance_write_fault BEFORE UPDATE ON stk_attempt FOR EACH ROW CALL '"
                        + H2Fault.class.getName() + "'");
            }
            AcceptanceWriteFault fault = new AcceptanceWriteFault(ledger, postgres);
            fault.clear();
            return fault;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot install the fault", e);
        }
    }

    /** The next {@code failures} tries to record the acceptance of this order fail; the tries are counted from now. */
    public void failNext(String orderId, int failures) {
        if (postgres) {
            execute("DELETE FROM acceptance_write_fault");
            execute("INSERT INTO acceptance_write_fault (order_id, failures) VALUES (?, ?)", orderId, failures);
            execute("ALTER SEQUENCE acceptance_write_tries RESTART");
        } else {
            H2Fault.arm(orderId, failures);
        }
    }

    /** How many times the acceptance of the order given to {@link #failNext} was tried since, failed or not. */
    public int tries() {
        if (!postgres) {
            return H2Fault.TRIES.get();
        }
        try (Connection connection = ledger.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT last_value, is_called FROM acceptance_write_tries")) {
            row.next();
            return row.getBoolean(2) ? row.getInt(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** No acceptance fails any more. */
    public void clear() {
        if (postgres) {
            execute("DELETE FROM acceptance_write_fault");
        } else {
            H2Fault.arm(null, 0);
        }
    }

    private void execute(String sql, Object... parameters) {
        try (Connection connection = ledger.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** The trigger H2 calls, in this JVM (the stack's in-memory ledger): one order armed at a time. */
    public static final class H2Fault implements Trigger {

        private static volatile String armedOrder;
        private static final AtomicInteger FAILURES_LEFT = new AtomicInteger();
        static final AtomicInteger TRIES = new AtomicInteger();

        private int orderColumn;
        private int statusColumn;

        static void arm(String orderId, int failures) {
            armedOrder = null;
            FAILURES_LEFT.set(failures);
            TRIES.set(0);
            armedOrder = orderId;
        }

        @Override
        public void init(Connection connection, String schema, String trigger, String table, boolean before, int type)
                throws SQLException {
            try (PreparedStatement columns = connection.prepareStatement("SELECT COLUMN_NAME, ORDINAL_POSITION FROM "
                    + "INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?")) {
                columns.setString(1, schema);
                columns.setString(2, table);
                try (ResultSet rows = columns.executeQuery()) {
                    while (rows.next()) {
                        switch (rows.getString(1).toUpperCase(Locale.ROOT)) {
                            case "ORDER_ID" -> orderColumn = rows.getInt(2) - 1;
                            case "STATUS" -> statusColumn = rows.getInt(2) - 1;
                            default -> { }
                        }
                    }
                }
            }
        }

        @Override
        public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
            String order = armedOrder;
            if (order == null || !order.equals(newRow[orderColumn]) || !"PENDING_PUSH".equals(oldRow[statusColumn])
                    || !"ACCEPTED".equals(newRow[statusColumn])) {
                return;
            }
            TRIES.incrementAndGet();
            if (FAILURES_LEFT.getAndDecrement() > 0) {
                throw new SQLException("injected: the ledger failed while recording the acceptance", "08006");
            }
        }
    }
}
