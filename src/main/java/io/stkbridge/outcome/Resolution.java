package io.stkbridge.outcome;

/**
 * What an answer from Daraja means for an attempt.
 *
 * @param retryable whether the payer may sensibly be asked again with a new intent (not: whether we retry)
 */
public record Resolution(Status status, String reason, boolean retryable, String resultCode, String resultDesc) {

    public static Resolution of(Status status, String reason, boolean retryable, String resultCode, String resultDesc) {
        return new Resolution(status, reason, retryable, resultCode, resultDesc);
    }
}
