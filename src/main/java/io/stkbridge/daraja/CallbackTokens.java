package io.stkbridge.daraja;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Daraja does not sign callbacks, so each CallBackURL carries HMAC-SHA256(secret, attemptId): a callback that does not
 * know the secret cannot name an attempt.
 */
public class CallbackTokens {

    static final String PATH = "/callbacks/stk/";

    private final SecretKeySpec key;
    private final String callbackBaseUrl;

    public CallbackTokens(String secret, String callbackBaseUrl) {
        if (secret == null || secret.length() < 16) {
            throw new IllegalArgumentException("STK_CALLBACK_SECRET must be at least 16 characters");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.callbackBaseUrl = callbackBaseUrl.replaceAll("/+$", "");
    }

    public String tokenFor(String attemptId) {
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
        return MessageDigest.isEqual(tokenFor(attemptId).getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII));
    }

    public String callbackUrl(String attemptId) {
        return callbackBaseUrl + PATH + attemptId + "/" + tokenFor(attemptId);
    }

    public String redactedCallbackUrl(String attemptId) {
        return callbackBaseUrl + PATH + attemptId + "/{token}";
    }
}
