package io.stkbridge.flow;

import io.stkbridge.testing.StackLedger;

/** {@link PhoneAccessTest} with the ledger on PostgreSQL (skipped without one, unless STK_REQUIRE_POSTGRES=true). */
class PhoneAccessPostgresTest extends PhoneAccessTest {

    @Override
    StackLedger ledger() {
        return StackLedger.postgres();
    }
}
