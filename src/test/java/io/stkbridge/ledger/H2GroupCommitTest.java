package io.stkbridge.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.testing.OutcomeCollector;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded ledger's group commit gathers: the thread that starts a store waits its gather time first, and a commit
 * made meanwhile is written by that same store (one store for both), not by one of its own.
 */
class H2GroupCommitTest {

    @Test
    void aCommitMadeWhileAStoreGathersIsWrittenByThatStore(@TempDir Path dir) throws Exception {
        // H2's own background writer stays out of the way: only the group commit stores here
        String url = "jdbc:h2:file:" + dir.resolve("ledger") + ";WRITE_DELAY=600000";
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setMaximumPoolSize(4);
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            H2GroupCommit groupCommit = H2GroupCommit.forLedger(url, Duration.ofSeconds(2));
            Transactions transactions = new Transactions(dataSource, groupCommit);
            transactions.inTransaction(connection -> connection.createStatement().executeUpdate(
                    "CREATE TABLE acked (n BIGINT PRIMARY KEY)"));
            MVStore store;
            try (Connection connection = dataSource.getConnection()) {
                store = H2GroupCommit.fileStore(connection);
            }
            long versionBefore = store.getCurrentVersion();
            long storesBefore = groupCommit.stores();

            Thread first = new Thread(() -> transactions.inTransaction(connection -> insert(connection, 1)));
            first.start();
            OutcomeCollector.await(Duration.ofSeconds(30), "the first commit's store to gather (its thread waiting)",
                    () -> first.getState() == Thread.State.TIMED_WAITING);
            transactions.inTransaction(connection -> insert(connection, 2));
            first.join(30_000);

            assertEquals(storesBefore + 1, groupCommit.stores(), "one store for both commits");
            assertEquals(versionBefore + 1, store.getCurrentVersion(), "one store wrote both commits");
        }
    }

    private static int insert(Connection connection, long n) throws java.sql.SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO acked (n) VALUES (?)")) {
            insert.setLong(1, n);
            return insert.executeUpdate();
        }
    }
}
