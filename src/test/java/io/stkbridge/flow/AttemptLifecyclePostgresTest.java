package io.stkbridge.flow;

import io.stkbridge.testing.StackLedger;

/** {@link AttemptLifecycleTest} with the ledger on PostgreSQL (skipped without one, unless STK_REQUIRE_POSTGRES=true). */
class AttemptLifecyclePostgresTest extends AttemptLifecycleTest {

    @Override
    StackLedger ledger() {
        return StackLedger.postgres();
    }
}
