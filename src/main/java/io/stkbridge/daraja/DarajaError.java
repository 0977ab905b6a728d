package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Daraja's error envelope {@code {"requestId","errorCode","errorMessage"}}; gateways sometimes answer HTML, so every field may be absent. */
public record DarajaError(String errorCode, String errorMessage) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static DarajaError parse(String body) {
        JsonNode node = readTree(body);
        return new DarajaError(node.path("errorCode").asText(""), node.path("errorMessage").asText(""));
    }

    static JsonNode readTree(String body) {
        try {
            JsonNode node = body == null || body.isBlank() ? null : MAPPER.readTree(body);
            return node == null ? MAPPER.createObjectNode() : node;
        } catch (Exception notJson) {
            return MAPPER.createObjectNode();
        }
    }

    /** Daraja refused the access token (expired early, revoked): a new token may succeed where this one failed. */
    public boolean isTokenRejection(int httpStatus) {
        return httpStatus == 401 || "404.001.03".equals(errorCode) || "400.003.01".equals(errorCode);
    }

    /** What to log or publish about an answer: its code and message, never the body (which could echo request fields). */
    public String describe(int httpStatus) {
        if (errorCode.isEmpty()) {
            return "HTTP " + httpStatus + " without a Daraja error body";
        }
        return errorCode + " " + errorMessage;
    }
}
