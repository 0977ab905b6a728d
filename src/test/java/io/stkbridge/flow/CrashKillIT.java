package io.stkbridge.flow;

import io.stkbridge.H2CommitLoop;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.PackagedJar;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} (SIGKILL: {@link Process#destroyForcibly()} on Linux) of processes that hold the ledger: nothing the
 * ledger acknowledged is lost.
 */
class CrashKillIT {

    /**
     * The embedded ledger's settings write every commit before it returns: a process inserting one row per commit is
     * killed, and every row whose commit had returned (it printed so) is in the file afterwards.
     */
    @Test
    void everyCommitTheEmbeddedLedgerAcknowledgedSurvivesAKill() throws Exception {
        Path database = Files.createTempDirectory("stk-h2-kill").resolve("ledger");
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
             Statement ddl = db.createStatement()) {
            ddl.execute("CREATE TABLE acked (n BIGINT PRIMARY KEY)");
        }
        Process loop = new ProcessBuilder(PackagedJar.javaBin(), "-cp",
                PackagedJar.JAR + File.pathSeparator + Path.of("target", "test-classes"), H2CommitLoop.class.getName(),
                "jdbc:h2:file:" + database).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        AtomicLong acknowledged = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("acked ")) {
                        acknowledged.set(Long.parseLong(line.substring(6)));
                    }
                }
            } catch (Exception ignored) {
                // the process was killed
            }
        });
        reader.start();
        try {
            OutcomeCollector.await(Duration.ofSeconds(60), () -> "2,000 commits acknowledged (" + acknowledged + ")",
                    () -> acknowledged.get() >= 2000 || !loop.isAlive());
            assertTrue(loop.isAlive(), "the commit loop died on its own");
        } finally {
            loop.destroyForcibly();
        }
        assertTrue(loop.waitFor(30, TimeUnit.SECONDS));
        reader.join(10_000);
        long acked = acknowledged.get();
        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
             Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*), COALESCE(MAX(n), 0) FROM acked")) {
            rows.next();
            long kept = rows.getLong(1);
            assertTrue(kept >= acked, kept + " rows on disk after the kill, but " + acked + " commits were acknowledged");
            assertEquals(kept, rows.getLong(2), "rows 1.." + rows.getLong(2) + " without a gap");
        }
    }
}
