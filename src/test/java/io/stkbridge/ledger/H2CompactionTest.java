package io.stkbridge.ledger;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded ledger's file stays compact under the durable WRITE_DELAY=0, where H2's own background compaction never
 * runs: rows written one commit at a time, as the ledger writes attempts, leave chunks mostly dead, and the compaction
 * brings their fill rate up to its target.
 */
class H2CompactionTest {

    @Test
    void rewritesTheEmptiestChunksOfAFileLedgerWrittenOneCommitAtATime(@TempDir Path dir) throws Exception {
        // H2 rewrites only chunks older than its retention time (45 s): none here, so that the test need not wait
        String url = "jdbc:h2:file:" + dir.resolve("ledger") + ";WRITE_DELAY=0;RETENTION_TIME=0";
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        try (Connection keepOpen = dataSource.getConnection()) {
            try (Statement ddl = keepOpen.createStatement()) {
                ddl.execute("CREATE TABLE attempt (id INT PRIMARY KEY, status VARCHAR(20), body VARCHAR(4000))");
            }
            try (PreparedStatement insert = keepOpen.prepareStatement("INSERT INTO attempt VALUES (?, 'PENDING', ?)");
                 PreparedStatement update = keepOpen.prepareStatement("UPDATE attempt SET status = 'DONE' WHERE id = ?")) {
                for (int id = 1; id <= 3000; id++) {
                    insert.setInt(1, id);
                    insert.setString(2, "x".repeat(500) + id);
                    insert.executeUpdate();
                    update.setInt(1, id);
                    update.executeUpdate();
                }
            }
            H2Compaction compaction = new H2Compaction(dataSource, url);
            int before = compaction.chunksFillRate();
            assertTrue(before < H2Compaction.TARGET_FILL_RATE, "precondition: chunks mostly dead, fill rate " + before + " %");

            for (int run = 0; run < 1000 && compaction.chunksFillRate() < H2Compaction.TARGET_FILL_RATE; run++) {
                compaction.compact();
            }

            int after = compaction.chunksFillRate();
            assertTrue(after >= H2Compaction.TARGET_FILL_RATE, "fill rate " + before + " % → " + after + " %");
        }
    }
}
