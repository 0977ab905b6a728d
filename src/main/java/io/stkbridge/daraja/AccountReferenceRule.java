package io.stkbridge.daraja;

import java.util.Locale;
import java.util.Optional;

/**
 * How a push's AccountReference (at most 12 characters, shown on the customer's prompt and on M-Pesa statements) comes
 * from an order id that is longer: always from the order id, so that a statement line can be matched to its order.
 */
public enum AccountReferenceRule {
    /** The last 12 characters: where sequential order ids differ ({@code ORD-2026-000123} → {@code 2026-000123}). */
    LAST_12,
    /** The first 12 characters: for order ids whose distinguishing part comes first. */
    FIRST_12;

    static final int MAX_LENGTH = 12;

    public String apply(String orderId) {
        if (orderId.length() <= MAX_LENGTH) {
            return orderId;
        }
        return this == LAST_12 ? orderId.substring(orderId.length() - MAX_LENGTH) : orderId.substring(0, MAX_LENGTH);
    }

    /** {@code last12} or {@code first12}, as configured. */
    public static Optional<AccountReferenceRule> parse(String configured) {
        return switch (configured.strip().toLowerCase(Locale.ROOT)) {
            case "last12" -> Optional.of(LAST_12);
            case "first12" -> Optional.of(FIRST_12);
            default -> Optional.empty();
        };
    }
}
