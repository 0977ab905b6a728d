package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;

/**
 * Daraja's result callback ({@code Body.stkCallback}). Metadata items are found by name, never by position; any may be
 * missing, Balance usually has no value, and failure callbacks carry no metadata at all.
 *
 * @param transactionDate ISO-8601 with the Nairobi offset, e.g. {@code 2019-12-19T10:21:15+03:00}
 */
public record StkCallback(String merchantRequestId, String checkoutRequestId, String resultCode, String resultDesc,
                          BigDecimal amount, String mpesaReceiptNumber, String transactionDate, String phoneNumber) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static StkCallback parse(String body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new MalformedCallbackException("callback body is not JSON");
        }
        JsonNode callback = root == null ? null : root.path("Body").path("stkCallback");
        if (callback == null || !callback.isObject()) {
            throw new MalformedCallbackException("callback has no Body.stkCallback object");
        }
        JsonNode resultCode = callback.get("ResultCode");
        String checkoutRequestId = callback.path("CheckoutRequestID").asText("");
        if (resultCode == null || !resultCode.isValueNode() || checkoutRequestId.isEmpty()) {
            throw new MalformedCallbackException("callback lacks ResultCode or CheckoutRequestID");
        }
        JsonNode items = callback.path("CallbackMetadata").path("Item");
        return new StkCallback(
                callback.path("MerchantRequestID").asText(null),
                checkoutRequestId,
                resultCode.asText(),
                callback.path("ResultDesc").asText(""),
                decimal(item(items, "Amount")),
                text(item(items, "MpesaReceiptNumber")),
                transactionDate(item(items, "TransactionDate")),
                text(item(items, "PhoneNumber")));
    }

    private static JsonNode item(JsonNode items, String name) {
        if (items.isArray()) {
            for (JsonNode item : items) {
                if (name.equals(item.path("Name").asText())) {
                    return item.get("Value");
                }
            }
        }
        return null;
    }

    private static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isNumber() ? value.decimalValue().toPlainString() : value.asText();
    }

    private static BigDecimal decimal(JsonNode value) {
        String text = text(value);
        try {
            return text == null ? null : new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String transactionDate(JsonNode value) {
        String text = text(value);
        if (text == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.trim(), StkPassword.DARAJA_TIMESTAMP)
                    .atZone(StkPassword.NAIROBI).toOffsetDateTime().format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
