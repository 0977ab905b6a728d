package io.stkbridge.ledger;

import io.stkbridge.outcome.Status;

import java.time.OffsetDateTime;

/** One attempt to collect a payment intent, as the ledger holds it. Amount and phone are null for intents rejected before normalization. */
public record Attempt(
        String attemptId,
        String intentId,
        String intentHash,
        String orderId,
        String merchant,
        Integer amount,
        String phoneNumber,
        String accountReference,
        String description,
        String transactionType,
        String metadataJson,
        Status status,
        String reason,
        boolean retryable,
        String resultCode,
        String resultDesc,
        String source,
        String merchantRequestId,
        String checkoutRequestId,
        String mpesaReceiptNumber,
        String transactionDate,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        OffsetDateTime giveUpAt,
        boolean corrected) {

    /** The same attempt, to be queried under the CheckoutRequestID a callback named (its own push answer was lost). */
    public Attempt withCheckoutRequestId(String checkout) {
        return new Attempt(attemptId, intentId, intentHash, orderId, merchant, amount, phoneNumber, accountReference,
                description, transactionType, metadataJson, status, reason, retryable, resultCode, resultDesc, source,
                merchantRequestId, checkout, mpesaReceiptNumber, transactionDate, createdAt, updatedAt, giveUpAt, corrected);
    }
}
