package io.stkbridge.simulator;

import java.time.Instant;

/** An STK Push the simulator accepted (registered). The Password is deliberately not kept. */
public record ReceivedPush(
        String accountReference,
        int amount,
        String phone,
        String shortcode,
        String partyB,
        String transactionType,
        String callbackUrl,
        String checkoutRequestId,
        Instant receivedAt) {
}
