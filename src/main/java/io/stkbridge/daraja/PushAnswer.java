package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

import java.util.Locale;

/**
 * What Daraja's answer to an STK Push means. Accepted means the customer was prompted, never that they paid.
 * Only a definite refusal is final FAILED/REJECTED: an answer Daraja documents as a refusal (its error code, or a 4xx,
 * which no gateway sends for a request it went on to process). Every other answer, a 5xx or a body that cannot be
 * read included, leaves open whether the customer was prompted: UNKNOWN, so that nobody pushes the same payment again
 * on a guess. The table is in README, "Push answers".
 *
 * @param requestId Daraja's {@code requestId} from its error envelope, which Safaricom support asks for (null if none)
 */
public record PushAnswer(boolean accepted, boolean tokenRefused, String merchantRequestId, String checkoutRequestId,
                         Resolution resolution, int httpStatus, String rawBody, String requestId) {

    /** The most of Daraja's answer body kept for the support timeline (an HTML error page can be long). */
    static final int RAW_BODY_LIMIT = 4000;
    /** The 500.001.1001 messages that are definite refusals; any other message on that code may hide a prompt. */
    private static final String[] SUBSCRIBER_LOCKED = {"lock subscriber", "already in process"};
    private static final String[] MERCHANT_REFUSED = {"merchant does not exist", "wrong credentials"};

    public static PushAnswer read(int httpStatus, String body) {
        JsonNode node = DarajaError.readTree(body);
        String raw = body == null ? null : body.length() > RAW_BODY_LIMIT ? body.substring(0, RAW_BODY_LIMIT) : body;
        String requestId = node.path("requestId").isValueNode() ? node.path("requestId").asText() : null;
        String responseCode = node.path("ResponseCode").asText("");
        String checkoutRequestId = node.path("CheckoutRequestID").asText("");
        String merchantRequestId = node.path("MerchantRequestID").asText(null);
        if (httpStatus == 200 && "0".equals(responseCode) && !checkoutRequestId.isEmpty()) {
            return new PushAnswer(true, false, merchantRequestId, checkoutRequestId, null, httpStatus, raw, requestId);
        }
        DarajaError error = DarajaError.parse(body);
        if (error.isTokenRejection(httpStatus)) {
            return new PushAnswer(false, true, null, null,
                    Resolution.of(Status.FAILED, "CONFIG_ERROR", false, error.errorCode(), "access token refused twice"),
                    httpStatus, raw, requestId);
        }
        return new PushAnswer(false, false, merchantRequestId, null,
                refusal(httpStatus, responseCode, node.path("ResponseDescription").asText(""), error), httpStatus, raw,
                requestId);
    }

    private static Resolution refusal(int httpStatus, String responseCode, String responseDescription, DarajaError error) {
        String code = error.errorCode();
        String message = error.errorMessage();
        String describe = error.describe(httpStatus);
        if (code.startsWith("400.002")) {
            return Resolution.of(Status.REJECTED, "INVALID_REQUEST", false, code, message);
        }
        if (code.equals("500.001.1001")) {
            if (names(message, SUBSCRIBER_LOCKED)) {
                return Resolution.of(Status.FAILED, "SUBSCRIBER_BUSY", true, code, message);
            }
            if (names(message, MERCHANT_REFUSED)) {
                return Resolution.of(Status.FAILED, "CONFIG_ERROR", false, code, message);
            }
            return unknown(code, describe);
        }
        if (code.startsWith("400.008") || code.startsWith("404.001") || code.startsWith("405")) {
            return Resolution.of(Status.FAILED, "CONFIG_ERROR", false, code, message);
        }
        if (code.equals("500.003.02") || code.equals("500.003.03") || httpStatus == 429) {
            return Resolution.of(Status.FAILED, "DARAJA_BUSY", true, code.isEmpty() ? "429" : code, describe);
        }
        if (httpStatus == 200 && !responseCode.isEmpty() && !"0".equals(responseCode)) {
            // Daraja said no in its own words (ResponseCode other than 0)
            return Resolution.of(Status.REJECTED, "DARAJA_ERROR", false, responseCode, responseDescription);
        }
        if (httpStatus >= 400 && httpStatus < 500) {
            return Resolution.of(Status.FAILED, "DARAJA_ERROR", false, code, describe);
        }
        if (httpStatus == 200 && "0".equals(responseCode)) {
            // accepted, but without the CheckoutRequestID that its callback and any query would name
            return unknown(responseCode, "ResponseCode 0 without a CheckoutRequestID");
        }
        // 500.003.1001, gateway HTML pages, any other 5xx, a 200 that cannot be read: the request may have reached the customer.
        return unknown(code, describe);
    }

    private static Resolution unknown(String code, String describe) {
        return Resolution.of(Status.UNKNOWN, "PUSH_OUTCOME_UNKNOWN", false, code, describe);
    }

    private static boolean names(String message, String[] phrases) {
        String lower = message.toLowerCase(Locale.ROOT);
        for (String phrase : phrases) {
            if (lower.contains(phrase)) {
                return true;
            }
        }
        return false;
    }
}
