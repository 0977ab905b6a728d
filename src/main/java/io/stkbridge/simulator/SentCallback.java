package io.stkbridge.simulator;

import java.time.Instant;

/**
 * One callback POST the simulator made.
 *
 * @param httpStatus what the receiver answered, null when the POST failed
 * @param failure    the exception (class and message) when the POST failed, null otherwise
 */
public record SentCallback(
        String checkoutRequestId,
        int resultCode,
        Integer httpStatus,
        String failure,
        Instant sentAt) {

    /** True when the receiver answered with a 2xx status. */
    public boolean delivered() {
        return httpStatus != null && httpStatus >= 200 && httpStatus < 300;
    }
}
