package io.stkbridge.flow;

import io.stkbridge.testing.StackLedger;

/** {@link BadInputCorpusTest} with the ledger on PostgreSQL (skipped without one, unless STK_REQUIRE_POSTGRES=true). */
class BadInputCorpusPostgresTest extends BadInputCorpusTest {

    @Override
    StackLedger ledger() {
        return StackLedger.postgres();
    }
}
