package io.stkbridge.simulator;

import java.time.Instant;

/**
 * An STK Push the simulator accepted (registered), so its Password matched the shortcode's passkey and Timestamp. The
 * Password is deliberately not kept.
 *
 * @param consumerKey the Daraja app (consumer key) whose access token authorized the push
 */
public record ReceivedPush(
        String accountReference,
        int amount,
        String phone,
        String shortcode,
        String partyB,
        String transactionType,
        String callbackUrl,
        String checkoutRequestId,
        Instant receivedAt,
        String consumerKey) {
}
