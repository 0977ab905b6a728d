package io.stkbridge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * Run as its own process by {@code CrashKillIT}: opens an H2 file database with the URL settings the ledger gets
 * ({@link StkBridgeConfiguration#withH2Settings}) and inserts one row per auto-commit for ever, printing "acked N" after
 * each commit has returned. Whatever was printed must still be there after the process is killed.
 */
public final class H2CommitLoop {

    private H2CommitLoop() {
    }

    public static void main(String[] args) throws Exception {
        try (Connection db = DriverManager.getConnection(StkBridgeConfiguration.withH2Settings(args[0]), "sa", "")) {
            try (Statement ddl = db.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS acked (n BIGINT PRIMARY KEY)");
            }
            try (PreparedStatement insert = db.prepareStatement("INSERT INTO acked (n) VALUES (?)")) {
                for (long n = 1; ; n++) {
                    insert.setLong(1, n);
                    insert.executeUpdate();
                    System.out.println("acked " + n);
                }
            }
        }
    }
}
