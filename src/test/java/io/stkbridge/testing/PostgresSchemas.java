package io.stkbridge.testing;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * A throw-away schema on a PostgreSQL server for one test class, so PostgreSQL-backed tests never see each other's rows.
 *
 * <p>The server comes from the environment: {@code STK_TEST_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}), {@code STK_TEST_PG_USER} (default {@code postgres}) and
 * {@code STK_TEST_PG_PASSWORD} (default empty). When the server cannot be reached the calling test is skipped, unless
 * {@code STK_REQUIRE_POSTGRES=true} (as in CI), in which case it fails.
 *
 * <p>The app's connections carry the schema name as their {@code ApplicationName}, so {@link #close()} can end the
 * ones a crashed app instance left behind before it drops the schema.
 */
public final class PostgresSchemas implements AutoCloseable {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private final String baseUrl;
    private final String user;
    private final String password;
    private final String schema;

    private PostgresSchemas(String baseUrl, String user, String password, String schema) {
        this.baseUrl = baseUrl;
        this.user = user;
        this.password = password;
        this.schema = schema;
    }

    /** Connects to the configured server and creates a fresh schema; skips or fails the test if it is not reachable. */
    public static PostgresSchemas createOrSkip() {
        return createOrSkip(env("STK_TEST_PG_URL", DEFAULT_URL), env("STK_TEST_PG_USER", "postgres"),
                env("STK_TEST_PG_PASSWORD", ""));
    }

    static PostgresSchemas createOrSkip(String url, String user, String password) {
        String schema = "stk_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PostgresSchemas schemas = new PostgresSchemas(url, user, password, schema);
        try (Connection connection = schemas.adminConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            if (!unreachable(e)) {
                // a server that answers but refuses (wrong password, no such database, no rights) is a broken setup,
                // never a reason to skip the PostgreSQL half of the tests
                throw new AssertionError("PostgreSQL at " + url + " refused " + user + " (SQLState " + e.getSQLState()
                        + "): " + e.getMessage() + "; fix STK_TEST_PG_URL / STK_TEST_PG_USER / STK_TEST_PG_PASSWORD", e);
            }
            String where = "PostgreSQL not reachable at " + url + " as " + user + " (" + e.getMessage() + ")";
            if ("true".equalsIgnoreCase(System.getenv("STK_REQUIRE_POSTGRES"))) {
                throw new AssertionError(where + "; STK_REQUIRE_POSTGRES=true makes PostgreSQL mandatory: start it "
                        + "or point STK_TEST_PG_URL / STK_TEST_PG_USER / STK_TEST_PG_PASSWORD at one", e);
            }
            Assumptions.assumeTrue(false, where + "; set STK_TEST_PG_URL or start it");
        }
        return schemas;
    }

    /** No server answered (SQLState class 08: connection exception): the only case in which the tests may be skipped. */
    static boolean unreachable(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("08");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public String schema() {
        return schema;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The URL to give the app: the same server and database, with this schema as the only search path. */
    public String appUrl() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema + "&ApplicationName=" + schema;
    }

    /** A connection of the test's own (auto-commit, search path on this schema), for looking at what the app stored. */
    public Connection connection() throws SQLException {
        Connection connection = adminConnection();
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET search_path TO " + schema);
        }
        return connection;
    }

    private Connection adminConnection() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (!password.isEmpty()) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "3");
        properties.setProperty("loginTimeout", "5");
        properties.setProperty("socketTimeout", "30");
        return DriverManager.getConnection(baseUrl, properties);
    }

    /** Rows of a query on this schema, each row its columns as text, for short assertions. */
    public List<List<String>> rows(String sql, Object... parameters) {
        try (Connection connection = connection(); PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet result = select.executeQuery()) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    List<String> row = new ArrayList<>();
                    for (int c = 1; c <= columns; c++) {
                        row.add(result.getString(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** The first column of the first row, as text (null if there is no row). */
    public String value(String sql, Object... parameters) {
        List<List<String>> rows = rows(sql, parameters);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    /** Ends the app's leftover connections to this schema (e.g. of a crashed instance), then drops it with its tables. */
    @Override
    public void close() throws SQLException {
        try (Connection connection = adminConnection(); Statement statement = connection.createStatement()) {
            try (PreparedStatement terminate = connection.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
                terminate.setString(1, schema);
                terminate.executeQuery().close();
            }
            statement.execute("SET lock_timeout = '10s'");
            statement.execute("DROP SCHEMA IF EXISTS " + schema.toLowerCase(Locale.ROOT) + " CASCADE");
        }
    }
}
