package io.stkbridge.ledger;

import org.h2.mvstore.MVStore;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Keeps the embedded H2 ledger's file compact while it runs. The ledger turns H2's background compaction off (it works
 * under H2's store lock every few hundred milliseconds, where the ledger's group commits wait for it). Without any
 * compaction the pages of settled attempts keep their chunks alive: the file grew by about 175 KB per intent (3.5 GB
 * after 20,000 intents, 8 % of its chunks' space live) and every commit updated the occupancy of thousands of chunks.
 * This does, on a schedule, a bounded part of what H2's background thread would do: the rewritten pages are copies of
 * committed data and the chunks they leave are freed only after H2's retention time, so a crash at any moment loses
 * nothing. Nothing for PostgreSQL or an in-memory H2.
 */
public class H2Compaction {

    /** Chunks less full than this are rewritten (H2's own background compaction aims at 90). */
    static final int TARGET_FILL_RATE = 50;

    /** Most bytes of live pages rewritten per run: a few chunks' worth, so that a run stays short beside the commits. */
    static final int WRITE_LIMIT_BYTES = 4 << 20;

    private final DataSource dataSource;
    private final boolean enabled;

    public H2Compaction(DataSource dataSource, String url) {
        this.dataSource = dataSource;
        this.enabled = H2GroupCommit.isH2File(url);
    }

    /** Rewrites up to the write limit of live pages from the emptiest chunks; returns whether anything was rewritten. */
    public boolean compact() {
        if (!enabled) {
            return false;
        }
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = H2GroupCommit.fileStore(connection);
            if (store == null || !store.compact(TARGET_FILL_RATE, WRITE_LIMIT_BYTES)) {
                return false;
            }
            // the rewritten pages are only in memory until the next store, and the emptied chunks are freed by it
            store.commit();
            return true;
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
    }

    /** The chunks' fill rate in percent (live bytes of the chunks' bytes), or -1 when not an embedded H2 file. */
    public int chunksFillRate() {
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = H2GroupCommit.fileStore(connection);
            return store == null ? -1 : store.getFileStore().getChunksFillRate();
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
    }
}
