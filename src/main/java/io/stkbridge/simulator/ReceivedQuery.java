package io.stkbridge.simulator;

import java.time.Instant;

/**
 * An STK Query the simulator answered (after a valid token and a JSON body).
 *
 * @param checkoutRequestId as sent, may be null
 * @param shortcode         BusinessShortCode as sent, may be null
 * @param httpStatus        the HTTP status answered
 * @param resultCode        the ResultCode answered with HTTP 200 ("0", "1032", "4999", ...), null otherwise
 */
public record ReceivedQuery(
        String checkoutRequestId,
        String shortcode,
        Instant receivedAt,
        int httpStatus,
        String resultCode) {
}
