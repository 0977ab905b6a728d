package io.stkbridge.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A refusal in Daraja's error envelope: {"requestId","errorCode","errorMessage"}. */
final class DarajaError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorCode;

    DarajaError(int status, String errorCode, String errorMessage) {
        super(errorMessage, null, false, false);
        this.status = status;
        this.errorCode = errorCode;
    }

    static DarajaError invalidField(String field) {
        return new DarajaError(400, "400.002.02", "Bad Request - Invalid " + field);
    }

    static DarajaError invalidAccessToken() {
        return new DarajaError(404, "404.001.03", "Invalid Access Token");
    }

    static DarajaError merchantRefusal(String message) {
        return new DarajaError(500, "500.001.1001", message);
    }

    static DarajaError internalServerError() {
        return new DarajaError(500, "500.003.1001", "Internal Server Error");
    }

    static DarajaError resourceNotFound() {
        return new DarajaError(404, "404.001.01", "Resource not found");
    }

    static DarajaError methodNotAllowed() {
        return new DarajaError(405, "405.001", "Method Not Allowed");
    }

    Reply reply() {
        ObjectNode body = Json.object()
                .put("requestId", Ids.requestId())
                .put("errorCode", errorCode)
                .put("errorMessage", getMessage());
        return Reply.json(status, body);
    }
}
