package io.stkbridge.flow;

import io.stkbridge.testing.PostgresSchemas;
import org.junit.jupiter.api.AfterAll;

import java.util.Map;

/** {@link BadInputCorpusTest} with the ledger on PostgreSQL (skipped without one, unless STK_REQUIRE_POSTGRES=true). */
class BadInputCorpusPostgresTest extends BadInputCorpusTest {

    private PostgresSchemas pg;

    @Override
    Map<String, String> ledger() {
        pg = PostgresSchemas.createOrSkip();
        return Map.of("stk.db.url", pg.appUrl(), "stk.db.user", pg.user());
    }

    @AfterAll
    @Override
    void stop() throws Exception {
        try {
            super.stop();
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
    }
}
