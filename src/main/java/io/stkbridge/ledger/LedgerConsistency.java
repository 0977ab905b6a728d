package io.stkbridge.ledger;

import org.h2.engine.SessionLocal;
import org.h2.index.Index;
import org.h2.table.Table;
import org.h2.table.TableType;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checked once at start-up, before anything is read from the ledger: on an embedded H2 file, every index of every table
 * holds as many entries as its table holds rows. An H2 file written by a killed process with delayed writes came back
 * with a unique index that still held a lost attempt; run on, the bridge would push that intent again. The counts are
 * H2's own per index (SQL cannot ask for them: H2 answers {@code COUNT(*)} from the table whatever index is named), kept
 * with each B-tree, so the check costs the same on any size of file. Nothing for PostgreSQL, whose write-ahead log keeps
 * indexes and tables together through a crash, or for an in-memory H2.
 */
public final class LedgerConsistency {

    private LedgerConsistency() {
    }

    /** Throws {@link LedgerInconsistentException} naming every index that disagrees with its table. */
    public static void check(DataSource dataSource, String url) {
        if (!H2GroupCommit.isH2File(url)) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            SessionLocal session = H2GroupCommit.h2Session(connection);
            if (session == null) {
                return;
            }
            List<String> disagreements = new ArrayList<>();
            for (Table table : session.getDatabase().getSchema(session.getCurrentSchemaName()).getAllTablesAndViews(session)) {
                if (table.getTableType() != TableType.TABLE) {
                    continue;
                }
                long rows = table.getRowCount(session);
                for (Index index : table.getIndexes()) {
                    long entries = index.getRowCount(session);
                    if (entries != rows) {
                        disagreements.add("index " + index.getName() + " of " + table.getName() + " holds " + entries
                                + " entries, the table " + rows + " rows");
                    }
                }
            }
            if (!disagreements.isEmpty()) {
                throw LedgerInconsistentException.atStartUp(String.join("; ", disagreements));
            }
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
    }
}
