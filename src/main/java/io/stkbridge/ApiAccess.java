package io.stkbridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator API is closed unless STK_API_OPERATOR_KEY is configured; it is compared in constant time, and a wrong
 * or missing key gets 401 and nothing else.
 */
public class ApiAccess {

    public static class UnauthorizedException extends RuntimeException {
        public UnauthorizedException() {
            super("unauthorized");
        }
    }

    private final String operatorKey;

    public ApiAccess(String operatorKey) {
        this.operatorKey = operatorKey;
    }

    public void requireOperator(String presented) {
        if (!matches(operatorKey, presented)) {
            throw new UnauthorizedException();
        }
    }

    private static boolean matches(String configured, String presented) {
        if (configured == null || configured.isEmpty() || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(configured.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }
}
