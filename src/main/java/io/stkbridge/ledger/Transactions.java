package io.stkbridge.ledger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs work in one JDBC transaction: all of it is committed, or none; and returns only once the commit survives the
 * death of the process ({@link H2GroupCommit} on the embedded ledger), since callers acknowledge outward on its strength.
 */
public class Transactions {

    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final H2GroupCommit groupCommit;

    public Transactions(DataSource dataSource, H2GroupCommit groupCommit) {
        this.dataSource = dataSource;
        this.groupCommit = groupCommit;
    }

    public <T> T inTransaction(Work<T> work) {
        Committed<T> committed = commit(work);
        committed.commit().awaitStored();
        return committed.result();
    }

    /**
     * Like {@link #inTransaction}, but returns as soon as the commit is made, before it is sure to survive the death of
     * the process. Only for a commit that nothing outside the ledger hears of until a later commit of
     * {@link #inTransaction} has returned, or {@link #awaitStored}: each of those also makes every earlier commit
     * survive (H2 stores everything committed before the store began). The intake opens attempts this way: the send
     * boundary's commit comes before their push, and the offsets of their batch are committed after
     * {@link #awaitStored}.
     */
    public <T> T inTransactionStoredLater(Work<T> work) {
        return commit(work).result();
    }

    /** Returns once every commit made so far, by any thread, survives the death of the process. */
    public void awaitStored() {
        groupCommit.committedSoFar(dataSource).awaitStored();
    }

    private record Committed<T>(T result, H2GroupCommit.Commit commit) {
    }

    private <T> Committed<T> commit(Work<T> work) {
        T result;
        H2GroupCommit.Commit committed;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                result = work.run(connection);
                committed = groupCommit.committing(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                rollBackAfter(connection, e);
                throw e;
            }
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
        // awaited with the connection back in the pool: threads waiting for a store must not hold what the others need
        // to commit
        return new Committed<>(result, committed);
    }

    /**
     * A rollback that fails as well (the connection broke, or the pool closed it on the failure) leaves the failure
     * itself to be thrown: that is what callers classify, and the database ends a broken connection's transaction.
     */
    private static void rollBackAfter(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailed) {
            failure.addSuppressed(rollbackFailed);
        }
    }

    /** SQLState class 23: a unique or other integrity constraint refused the statement. */
    static boolean isConstraintViolation(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }
}
