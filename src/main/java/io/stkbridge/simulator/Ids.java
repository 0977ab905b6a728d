package io.stkbridge.simulator;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/** Random identifiers shaped like Daraja's. */
final class Ids {

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String UPPER_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String UPPER_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String DIGITS = "0123456789";
    private static final SecureRandom SECURE = new SecureRandom();

    private Ids() {
    }

    static String accessToken() {
        return random(SECURE, ALPHANUMERIC, 28);
    }

    static String requestId() {
        return digits(5) + "-" + digits(9) + "-1";
    }

    static String merchantRequestId() {
        return digits(5) + "-" + digits(8) + "-1";
    }

    static String checkoutRequestId(Instant at) {
        return "ws_CO_" + DarajaTime.checkoutStamp(at) + digits(6);
    }

    /** Ten upper-case alphanumerics starting with a letter, like NLJ7RT61SV. */
    static String receiptNumber() {
        return random(ThreadLocalRandom.current(), UPPER_LETTERS, 1)
                + random(ThreadLocalRandom.current(), UPPER_ALPHANUMERIC, 9);
    }

    private static String digits(int count) {
        return random(ThreadLocalRandom.current(), DIGITS, count);
    }

    private static String random(Random random, String alphabet, int count) {
        StringBuilder text = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
