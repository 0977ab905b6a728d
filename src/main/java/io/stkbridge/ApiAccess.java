package io.stkbridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The operator API is closed unless keys are configured: STK_API_OPERATOR_KEY may force queries, STK_API_READ_KEY may
 * only read. Keys are compared in constant time; a wrong or missing key gets 401 and nothing else.
 */
public class ApiAccess {

    public static class UnauthorizedException extends RuntimeException {
        public UnauthorizedException() {
            super("unauthorized");
        }
    }

    private final String operatorKey;
    private final String readKey;

    public ApiAccess(String operatorKey, String readKey) {
        this.operatorKey = operatorKey;
        this.readKey = readKey;
    }

    public void requireOperator(String presented) {
        if (!matches(operatorKey, presented)) {
            throw new UnauthorizedException();
        }
    }

    public void requireReader(String presented) {
        if (!matches(operatorKey, presented) && !matches(readKey, presented)) {
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
