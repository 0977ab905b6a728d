package io.stkbridge.intent;

import java.util.Optional;
import java.util.regex.Pattern;

/** Safaricom subscriber numbers: what customers type, what Daraja accepts, what logs may show. */
public final class PhoneNumbers {

    private static final Pattern SEPARATORS = Pattern.compile("[\\s\\-().]");
    private static final Pattern NATIONAL = Pattern.compile("^0?([17]\\d{8})$");
    private static final Pattern INTERNATIONAL = Pattern.compile("^\\+?254([17]\\d{8})$");

    /**
     * A Kenyan mobile number written anywhere in a text, grouped as people write it or not, and not part of a longer word
     * or number (an id, a timestamp).
     */
    private static final Pattern IN_TEXT = Pattern.compile("(?<![\\w+])(?:\\+?254[ -]?|0)?[17]\\d{2}[ -]?\\d{3}[ -]?\\d{3}(?!\\w)");

    private PhoneNumbers() {
    }

    /** {@code 0712 345-678}, {@code +254712345678}, {@code 712345678} … → {@code 254712345678}; empty when not a Kenyan mobile number. */
    public static Optional<String> normalize(String typed) {
        if (typed == null) {
            return Optional.empty();
        }
        String compact = SEPARATORS.matcher(typed.trim()).replaceAll("");
        var national = NATIONAL.matcher(compact);
        if (national.matches()) {
            return Optional.of("254" + national.group(1));
        }
        var international = INTERNATIONAL.matcher(compact);
        if (international.matches()) {
            return Optional.of("254" + international.group(1));
        }
        return Optional.empty();
    }

    /** Keeps the country code and the last three digits: {@code 2547*****678}. */
    public static String mask(String phone) {
        if (phone == null || phone.length() < 7) {
            return "***";
        }
        return phone.substring(0, 4) + "*".repeat(phone.length() - 7) + phone.substring(phone.length() - 3);
    }

    /** The text with every Kenyan mobile number in it masked: Daraja's documents and customers' intents carry them. */
    public static String maskIn(String text) {
        return text == null ? null
                : IN_TEXT.matcher(text).replaceAll(found -> mask(normalize(found.group()).orElseThrow()));
    }
}
