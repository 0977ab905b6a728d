package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.outcome.Resolution;
import io.stkbridge.outcome.Status;

/**
 * What Daraja's answer to an STK Query means. Only a ResultCode is an outcome; "still being processed" (HTTP 500
 * 500.001.1001, or ResultCode 4999) is PENDING, and every transport or gateway trouble is RETRY — never a failure.
 */
public record QueryAnswer(Kind kind, boolean tokenRefused, Resolution resolution, int httpStatus, String body) {

    /** OTHER_PAYMENT: the answer names another CheckoutRequestID than the one asked; asked again, like RETRY. */
    public enum Kind { FINAL, PENDING, RETRY, OTHER_PAYMENT }

    /**
     * Daraja's answer to a query for {@code askedCheckoutRequestId}. An answer that names another CheckoutRequestID is
     * about another payment: it decides nothing here (OTHER_PAYMENT, asked again), whatever its ResultCode.
     */
    public static QueryAnswer read(int httpStatus, String body, String askedCheckoutRequestId) {
        var node = DarajaError.readTree(body);
        DarajaError error = DarajaError.parse(body);
        if (error.isTokenRejection(httpStatus)) {
            return new QueryAnswer(Kind.RETRY, true, null, httpStatus, body);
        }
        if (answersAnother(node, askedCheckoutRequestId)) {
            return new QueryAnswer(Kind.OTHER_PAYMENT, false, null, httpStatus, body);
        }
        if (httpStatus == 200 && node.hasNonNull("ResultCode")) {
            return ResultCodes.resolve(node.get("ResultCode").asText(), node.path("ResultDesc").asText(""))
                    .map(resolution -> new QueryAnswer(Kind.FINAL, false, resolution, httpStatus, body))
                    .orElseGet(() -> new QueryAnswer(Kind.PENDING, false, null, httpStatus, body));
        }
        if ("500.001.1001".equals(error.errorCode())) {
            return new QueryAnswer(Kind.PENDING, false, null, httpStatus, body);
        }
        return new QueryAnswer(Kind.RETRY, false, null, httpStatus, body);
    }

    /** The CheckoutRequestID an OTHER_PAYMENT answer names. */
    public String namedCheckoutRequestId() {
        return DarajaError.readTree(body).path("CheckoutRequestID").asText(null);
    }

    private static boolean answersAnother(JsonNode node, String askedCheckoutRequestId) {
        JsonNode named = node.get("CheckoutRequestID");
        return named != null && named.isValueNode() && !named.asText().isEmpty()
                && !named.asText().equals(askedCheckoutRequestId);
    }

    public boolean isFinal() {
        return kind == Kind.FINAL;
    }

    /** Whether the final answer says paid: never true for anything but ResultCode 0. */
    public boolean paid() {
        return isFinal() && resolution.status() == Status.SUCCEEDED;
    }
}
