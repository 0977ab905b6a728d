package io.stkbridge.daraja;

import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

import java.util.Map;
import java.util.Optional;

/** The ResultCode of a callback or a query answer, as a final outcome. Only ResultCode 0 is paid. */
public final class ResultCodes {

    /** Query only: the customer has not acted yet. */
    public static final String STILL_PROCESSING = "4999";

    private record Meaning(Status status, String reason, boolean retryable) {
    }

    private static final Map<String, Meaning> MEANINGS = Map.ofEntries(
            Map.entry("0", new Meaning(Status.SUCCEEDED, null, false)),
            Map.entry("1", new Meaning(Status.FAILED, "INSUFFICIENT_FUNDS", true)),
            Map.entry("2", new Meaning(Status.FAILED, "AMOUNT_OUT_OF_RANGE", false)),
            Map.entry("3", new Meaning(Status.FAILED, "AMOUNT_OUT_OF_RANGE", false)),
            Map.entry("4", new Meaning(Status.FAILED, "LIMIT_EXCEEDED", false)),
            Map.entry("8", new Meaning(Status.FAILED, "LIMIT_EXCEEDED", false)),
            Map.entry("17", new Meaning(Status.FAILED, "DUPLICATE_WITHIN_2_MINUTES", true)),
            Map.entry("26", new Meaning(Status.FAILED, "DARAJA_BUSY", true)),
            Map.entry("1001", new Meaning(Status.FAILED, "SUBSCRIBER_BUSY", true)),
            Map.entry("1019", new Meaning(Status.FAILED, "EXPIRED", true)),
            Map.entry("1025", new Meaning(Status.FAILED, "PUSH_FAILED", true)),
            Map.entry("9999", new Meaning(Status.FAILED, "PUSH_FAILED", true)),
            Map.entry("1031", new Meaning(Status.FAILED, "CANCELLED_BY_USER", true)),
            Map.entry("1032", new Meaning(Status.FAILED, "CANCELLED_BY_USER", true)),
            Map.entry("1037", new Meaning(Status.FAILED, "CUSTOMER_UNREACHABLE", true)),
            Map.entry("2001", new Meaning(Status.FAILED, "WRONG_PIN", true)),
            Map.entry("2028", new Meaning(Status.FAILED, "CONFIG_ERROR", false)),
            Map.entry("SFC_IC0003", new Meaning(Status.FAILED, "CONFIG_ERROR", false)),
            Map.entry("8006", new Meaning(Status.FAILED, "CREDENTIAL_LOCKED", false)));

    private ResultCodes() {
    }

    /**
     * The final outcome a ResultCode stands for; empty while the transaction is still being processed (4999).
     * A code not in the table is kept as UNKNOWN (needs review): it is never guessed to be a success or a failure.
     */
    public static Optional<Resolution> resolve(String resultCode, String resultDesc) {
        String code = resultCode == null ? "" : resultCode.trim();
        if (STILL_PROCESSING.equals(code)) {
            return Optional.empty();
        }
        Meaning meaning = MEANINGS.get(code);
        if (meaning == null) {
            return Optional.of(Resolution.of(Status.UNKNOWN, "UNRECOGNIZED_RESULT_CODE", false, code, resultDesc));
        }
        return Optional.of(Resolution.of(meaning.status(), meaning.reason(), meaning.retryable(), code, resultDesc));
    }
}
