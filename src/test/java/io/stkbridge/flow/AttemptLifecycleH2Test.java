package io.stkbridge.flow;

import io.stkbridge.testing.StackLedger;

/** {@link AttemptLifecycleTest} on the default embedded ledger (H2). */
class AttemptLifecycleH2Test extends AttemptLifecycleTest {

    @Override
    StackLedger ledger() {
        return StackLedger.embedded();
    }
}
