package io.stkbridge;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.ledger.H2GroupCommit;
import io.stkbridge.ledger.Transactions;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run as its own process by {@code CrashKillIT}: opens an H2 file database as the ledger does (its URL settings,
 * {@link StkBridgeConfiguration#withH2Settings}, a connection pool and {@link Transactions} with the ledger's group
 * commit) and inserts rows, one per transaction, from several threads at once for ever, printing "acked N" once the
 * transaction that inserted N has returned. With a second argument {@code stored-later} the threads commit as the intake
 * opens attempts instead ({@link Transactions#inTransactionStoredLater}, not waiting for the store), a few rows at a
 * time, and print theirs only after {@link Transactions#awaitStored}, as the intake commits its offsets. Whatever was
 * printed must still be there after the process is killed.
 */
public final class H2CommitLoop {

    private static final int THREADS = 16;
    private static final int ROWS_PER_STORED_LATER_BATCH = 5;
    /** STK_H2_GROUP_COMMIT_GATHER_MICROS's default: the stores gather commits as the product's do. */
    private static final Duration PRODUCT_GATHER = Duration.ofMillis(3);

    private H2CommitLoop() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(StkBridgeConfiguration.withH2Settings(args[0]));
        config.setUsername("sa");
        config.setMaximumPoolSize(THREADS);
        HikariDataSource dataSource = new HikariDataSource(config);
        Transactions transactions = new Transactions(dataSource, H2GroupCommit.forLedger(args[0], PRODUCT_GATHER));
        AtomicLong next = new AtomicLong();
        for (int t = 0; t < THREADS; t++) {
            boolean storedLater = args.length > 1 && args[1].equals("stored-later");
            new Thread(() -> {
                while (true) {
                    List<Long> batch = new ArrayList<>();
                    for (int i = 0; i < (storedLater ? ROWS_PER_STORED_LATER_BATCH : 1); i++) {
                        long n = next.incrementAndGet();
                        Transactions.Work<Integer> insertN = connection -> {
                            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO acked (n) VALUES (?)")) {
                                insert.setLong(1, n);
                                return insert.executeUpdate();
                            }
                        };
                        if (storedLater) {
                            transactions.inTransactionStoredLater(insertN);
                        } else {
                            transactions.inTransaction(insertN);
                        }
                        batch.add(n);
                    }
                    if (storedLater) {
                        transactions.awaitStored();
                    }
                    synchronized (System.out) {
                        batch.forEach(n -> System.out.println("acked " + n));
                    }
                }
            }).start();
        }
    }
}
