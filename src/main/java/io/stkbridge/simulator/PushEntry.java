package io.stkbridge.simulator;

import java.time.Instant;

/** A registered push with what the simulator decided for it; outcomeAt is when the customer "acts". */
record PushEntry(ReceivedPush push, String merchantRequestId, Result result, Instant outcomeAt) {

    String checkoutRequestId() {
        return push.checkoutRequestId();
    }
}
