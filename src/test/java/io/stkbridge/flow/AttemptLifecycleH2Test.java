package io.stkbridge.flow;

import java.util.Map;

/** {@link AttemptLifecycleTest} on the default embedded ledger (H2). */
class AttemptLifecycleH2Test extends AttemptLifecycleTest {

    @Override
    Map<String, String> ledger() {
        return Map.of();
    }
}
