package io.stkbridge.daraja;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Daraja does not sign callbacks, so each CallBackURL carries HMAC-SHA256(secret, attemptId): a callback that does not
 * know the secret cannot name an attempt. New URLs use the current secret; while a rotation is under way, tokens made
 * with the previous secret (STK_CALLBACK_SECRET_PREVIOUS) are still accepted, so the attempts already pushed keep their
 * callbacks.
 */
public class CallbackTokens {

    static final String PATH = "/callbacks/stk/";

    private final SecretKeySpec key;
    private final SecretKeySpec previousKey;
    private final String callbackBaseUrl;

    public CallbackTokens(String secret, String callbackBaseUrl) {
        this(secret, null, callbackBaseUrl);
    }

    /** @param previousSecret the secret before a rotation, still accepted (null or blank: none) */
    public CallbackTokens(String secret, String previousSecret, String callbackBaseUrl) {
        this.key = key(secret, "STK_CALLBACK_SECRET");
        this.previousKey = previousSecret == null || previousSecret.isBlank() ? null
                : key(previousSecret, "STK_CALLBACK_SECRET_PREVIOUS");
        this.callbackBaseUrl = callbackBaseUrl.replaceAll("/+$", "");
    }

    private static SecretKeySpec key(String secret, String variable) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException(variable + " must be at least 16 characters");
        }
        return new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String tokenFor(String attemptId) {
        return token(key, attemptId);
    }

    private static String token(SecretKeySpec key, String attemptId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal(attemptId.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public boolean verify(String attemptId, String token) {
        if (attemptId == null || token == null) {
            return false;
        }
        byte[] presented = token.getBytes(StandardCharsets.US_ASCII);
        boolean current = MessageDigest.isEqual(token(key, attemptId).getBytes(StandardCharsets.US_ASCII), presented);
        boolean previous = previousKey != null
                && MessageDigest.isEqual(token(previousKey, attemptId).getBytes(StandardCharsets.US_ASCII), presented);
        return current | previous;
    }

    public String callbackUrl(String attemptId) {
        return callbackBaseUrl + PATH + attemptId + "/" + tokenFor(attemptId);
    }

    public String redactedCallbackUrl(String attemptId) {
        return callbackBaseUrl + PATH + attemptId + "/{token}";
    }
}
