package io.stkbridge.daraja;

import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

import java.util.Locale;

/**
 * What Daraja's answer to an STK Push means. Accepted means the customer was prompted, never that they paid.
 * Only a definite refusal is final FAILED/REJECTED; an answer that leaves open whether the customer was prompted is UNKNOWN,
 * so that nobody pushes the same payment again on a guess.
 */
public record PushAnswer(boolean accepted, boolean tokenRefused, String merchantRequestId, String checkoutRequestId,
                         Resolution resolution, int httpStatus, String rawBody) {

    /** The most of Daraja's answer body kept for the support timeline (an HTML error page can be long). */
    static final int RAW_BODY_LIMIT = 4000;

    public static PushAnswer read(int httpStatus, String body) {
        var node = DarajaError.readTree(body);
        String raw = body == null ? null : body.length() > RAW_BODY_LIMIT ? body.substring(0, RAW_BODY_LIMIT) : body;
        String responseCode = node.path("ResponseCode").asText("");
        String checkoutRequestId = node.path("CheckoutRequestID").asText("");
        if (httpStatus == 200 && "0".equals(responseCode) && !checkoutRequestId.isEmpty()) {
            return new PushAnswer(true, false, node.path("MerchantRequestID").asText(null), checkoutRequestId, null,
                    httpStatus, raw);
        }
        DarajaError error = DarajaError.parse(body);
        if (error.isTokenRejection(httpStatus)) {
            return new PushAnswer(false, true, null, null,
                    Resolution.of(Status.FAILED, "CONFIG_ERROR", false, error.errorCode(), "access token refused twice"),
                    httpStatus, raw);
        }
        return new PushAnswer(false, false, null, null,
                refusal(httpStatus, responseCode, node.path("ResponseDescription").asText(""), error), httpStatus, raw);
    }

    private static Resolution refusal(int httpStatus, String responseCode, String responseDescription, DarajaError error) {
        String code = error.errorCode();
        String message = error.errorMessage();
        String describe = error.describe(httpStatus);
        if (httpStatus == 200) {
            // HTTP 200 without a CheckoutRequestID: Daraja said no in its own words (ResponseCode != 0).
            return Resolution.of(Status.REJECTED, "DARAJA_ERROR", false, responseCode, responseDescription);
        }
        if (code.startsWith("400.002")) {
            return Resolution.of(Status.REJECTED, "INVALID_REQUEST", false, code, message);
        }
        if (code.equals("500.001.1001")) {
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("lock subscriber") || lower.contains("already in process")) {
                return Resolution.of(Status.FAILED, "SUBSCRIBER_BUSY", true, code, message);
            }
            return Resolution.of(Status.FAILED, "CONFIG_ERROR", false, code, message);
        }
        if (code.startsWith("400.008") || code.startsWith("404.001") || code.startsWith("405")) {
            return Resolution.of(Status.FAILED, "CONFIG_ERROR", false, code, message);
        }
        if (code.equals("500.003.02") || code.equals("500.003.03") || httpStatus == 429) {
            return Resolution.of(Status.FAILED, "DARAJA_BUSY", true, code.isEmpty() ? "429" : code, describe);
        }
        if (httpStatus >= 400 && httpStatus < 500) {
            return Resolution.of(Status.FAILED, "DARAJA_ERROR", false, code, describe);
        }
        // 500.003.1001, gateway HTML pages, anything unrecognised on 5xx: the request may have reached the customer.
        return Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, code, describe);
    }
}
