package io.stkbridge.ledger;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes every commit of the embedded H2 ledger survive the death of the process before it is acknowledged, with one
 * file write shared by the commits that arrive together (group commit).
 * <p>
 * H2 keeps a commit in memory until it stores its changes to the file (the operating system's cache, which survives a
 * killed process; not fsync'd, so not a power cut). With {@code WRITE_DELAY=0} it stores after every commit, in the
 * committing thread, under its store lock, one store at a time: measured, that was 46 % of the bridge's CPU and the
 * limit of its throughput, with the intake threads queued on the lock. Here H2 keeps its write delay (its background
 * thread also stores), and a committing thread, once its commit has returned and its connection is back in the pool,
 * waits until a store that began after its commit has finished. The first thread to find no store under way waits a
 * moment (the gather time, 3 ms by default) and then starts one for every commit made before it began; commits that
 * arrive while it is being written wait for the next store, which one of them starts. The gather time halves the
 * stores under load: measured in the deployed benchmark, 12–18 % less CPU per intent (H2 rewrites each busy page whole
 * at each store).
 * <p>
 * An intake thread keeps its work slot ({@code WorkSlots}) while it waits: the slots bound how many intake threads work
 * on the CPU at once, and a store is CPU work. Given up, they let every intake thread commit at once: in the deployed
 * benchmark the callbacks then waited behind them until the simulator held 1,000 connections open and the bridge
 * refused the rest (lost callbacks, resolved minutes later by STK Query).
 */
public final class H2GroupCommit {

    private static final H2GroupCommit NONE = new H2GroupCommit(false, Duration.ZERO);

    private final boolean enabled;
    private final long gatherNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition storeFinished = lock.newCondition();
    /** Commits that asked to be stored: each one's ticket. */
    private long tickets;
    /** Every ticket up to this one is in a finished store. */
    private long stored;
    private boolean storing;
    /** Stores started, for tests: how many commits shared one is what the gather time is for. */
    private long stores;

    private H2GroupCommit(boolean enabled, Duration gather) {
        this.enabled = enabled;
        this.gatherNanos = gather.toNanos();
    }

    /**
     * Group commits for an H2 file ledger; nothing to do for PostgreSQL (durable at commit) or an in-memory H2.
     *
     * @param gather how long the thread that starts a store waits first, so that the commits arriving meanwhile share it
     *               ({@code STK_H2_GROUP_COMMIT_GATHER_MICROS}, like PostgreSQL's {@code commit_delay}): H2 writes every
     *               page changed since the last store, whole, so fewer stores write the busy pages fewer times
     */
    public static H2GroupCommit forLedger(String url, Duration gather) {
        return isH2File(url) ? new H2GroupCommit(true, gather) : NONE;
    }

    /** Whether the ledger's URL names an embedded H2 file, the only ledger with a file store of its own to manage. */
    static boolean isH2File(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:");
    }

    /** A commit made, to be awaited once its connection is back in the pool. */
    public interface Commit {
        void awaitStored();
    }

    private static final Commit NOTHING_TO_AWAIT = () -> { };

    /**
     * Called just before {@code connection} commits: its {@link Commit#awaitStored} returns once what it committed is in
     * the file; at once for a transaction that changed nothing.
     */
    Commit committing(Connection connection) throws SQLException {
        if (!enabled) {
            return NOTHING_TO_AWAIT;
        }
        SessionLocal session = h2Session(connection);
        if (session == null || !session.hasPendingTransaction()) {
            return NOTHING_TO_AWAIT;
        }
        // looked up each time: a database closed and opened again in this JVM has a new store
        MVStore mvStore = fileStore(session);
        if (mvStore == null) {
            return NOTHING_TO_AWAIT;
        }
        return () -> awaitStored(mvStore);
    }

    /**
     * Every commit made so far on the ledger behind {@code dataSource}, by any session: its {@link Commit#awaitStored}
     * returns once they are all in the file. Borrows a connection only to find the file's store, and only on an H2 file.
     */
    Commit committedSoFar(DataSource dataSource) {
        if (!enabled) {
            return NOTHING_TO_AWAIT;
        }
        MVStore mvStore;
        try (Connection connection = dataSource.getConnection()) {
            mvStore = fileStore(connection);
        } catch (SQLException e) {
            throw new LedgerException(e);
        }
        return mvStore == null ? NOTHING_TO_AWAIT : () -> awaitStored(mvStore);
    }

    private void awaitStored(MVStore mvStore) {
        lock.lock();
        try {
            long ticket = ++tickets;
            while (stored < ticket) {
                if (storing) {
                    // not interruptible: an acknowledgement must never go out ahead of its store
                    storeFinished.awaitUninterruptibly();
                    continue;
                }
                storing = true;
                stores++;
                long covered = tickets;
                boolean done = false;
                lock.unlock();
                if (gatherNanos > 0) {
                    // the commits that arrive meanwhile go into this store (they wait for it, see above)
                    LockSupport.parkNanos(gatherNanos);
                    lock.lock();
                    covered = tickets;
                    lock.unlock();
                }
                try {
                    try {
                        mvStore.commit();
                    } catch (MVStoreException failed) {
                        // a failure of the ledger like any other, whatever H2 throws it as: its writer may try again
                        throw new LedgerException(new SQLException(
                                "The embedded ledger could not write a commit to its file", failed));
                    }
                    // a store that failed closes H2's store, after which commit() returns without writing anything
                    if (mvStore.isClosed()) {
                        throw new LedgerException(new SQLException(
                                "The embedded ledger was closed before a commit was written to its file"));
                    }
                    done = true;
                } finally {
                    lock.lock();
                    storing = false;
                    if (done) {
                        // one store at a time, each covering the tickets handed out before it began
                        stored = covered;
                    }
                    storeFinished.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    long stores() {
        lock.lock();
        try {
            return stores;
        } finally {
            lock.unlock();
        }
    }

    /** The MVStore behind an H2 file database's connection, or null for another database or an in-memory H2. */
    static MVStore fileStore(Connection connection) throws SQLException {
        SessionLocal session = h2Session(connection);
        return session == null ? null : fileStore(session);
    }

    private static MVStore fileStore(SessionLocal session) {
        MVStore mvStore = session.getDatabase().getStore().getMvStore();
        return mvStore.getFileStore() == null ? null : mvStore;
    }

    static SessionLocal h2Session(Connection connection) throws SQLException {
        return connection.isWrapperFor(JdbcConnection.class)
                && connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session ? session : null;
    }
}
