package io.stkbridge.intent;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A validated intent with every field Daraja needs already normalized.
 *
 * @param contentHash SHA-256 of the intent as received (keys sorted): tells a redelivery from a conflicting reuse of the intentId
 */
public record PaymentIntent(
        String intentId,
        String orderId,
        int amount,
        String phoneNumber,
        String accountReference,
        String description,
        String transactionType,
        String merchant,
        ObjectNode metadata,
        String contentHash,
        String json) {
}
