package io.stkbridge.ledger;

import java.time.Duration;

/**
 * How a push that may have been sent but has no recorded answer is waited for (a crash, or another copy of its intent).
 * {@code answerDeadline}: past it since the push request started, no push can still be waiting for Daraja's answer
 * (a pooled connection, the connect and the read timeouts), so a callback stored meanwhile may decide the attempt.
 * {@code callbackWait}: past it, with no callback, the attempt becomes UNKNOWN {@code PUSH_INTERRUPTED}.
 */
public record InterruptedPushes(Duration answerDeadline, Duration callbackWait) {

    /** Daraja's default timeouts (5 s + 5 s + 15 s) and STK_INTERRUPTED_PUSH_WAIT_MS's default (5 min). */
    public static final InterruptedPushes DEFAULT = new InterruptedPushes(Duration.ofSeconds(25), Duration.ofMinutes(5));

    public InterruptedPushes {
        if (callbackWait.compareTo(answerDeadline) <= 0) {
            throw new IllegalArgumentException("the callback wait must be longer than the answer deadline");
        }
    }
}
