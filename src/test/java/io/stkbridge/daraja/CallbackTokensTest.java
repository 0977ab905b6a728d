package io.stkbridge.daraja;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rotating STK_CALLBACK_SECRET: attempts pushed before keep their callbacks while the previous secret is still given. */
class CallbackTokensTest {

    static final String OLD = "old-callback-secret-0123456789";
    static final String NEW = "new-callback-secret-0123456789";

    @Test
    void aRotationKeepsTheCallbacksOfAttemptsPushedBeforeItAndOnlyThose() {
        String before = new CallbackTokens(OLD, "https://pay.example.com").tokenFor("attempt-1");
        CallbackTokens rotating = new CallbackTokens(NEW, OLD, "https://pay.example.com");
        assertTrue(rotating.verify("attempt-1", before), "a URL handed to Daraja before the rotation");
        assertTrue(rotating.verify("attempt-2", rotating.tokenFor("attempt-2")));
        assertTrue(rotating.callbackUrl("attempt-2").endsWith(new CallbackTokens(NEW, "https://x").tokenFor("attempt-2")),
                "new URLs carry the new secret's token");
        assertFalse(rotating.verify("attempt-1", rotating.tokenFor("attempt-2")), "a token names its attempt only");
        assertFalse(new CallbackTokens(NEW, "https://pay.example.com").verify("attempt-1", before),
                "once the previous secret is removed, its tokens are refused");
    }
}
