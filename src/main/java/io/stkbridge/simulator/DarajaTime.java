package io.stkbridge.simulator;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.Optional;
import java.util.regex.Pattern;

/** Daraja writes and expects wall-clock times in Nairobi (EAT, UTC+3) as yyyyMMddHHmmss. */
final class DarajaTime {

    static final ZoneId NAIROBI = ZoneId.of("Africa/Nairobi");

    private static final Pattern FOURTEEN_DIGITS = Pattern.compile("\\d{14}");
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuuMMddHHmmss").withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter CHECKOUT_STAMP = DateTimeFormatter.ofPattern("ddMMuuuuHHmmss");

    private DarajaTime() {
    }

    static String timestamp(Instant instant) {
        return TIMESTAMP.format(instant.atZone(NAIROBI));
    }

    static String checkoutStamp(Instant instant) {
        return CHECKOUT_STAMP.format(instant.atZone(NAIROBI));
    }

    static Optional<Instant> parseTimestamp(String text) {
        if (text == null || !FOURTEEN_DIGITS.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(text, TIMESTAMP).atZone(NAIROBI).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
