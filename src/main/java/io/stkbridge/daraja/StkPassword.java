package io.stkbridge.daraja;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/** The Password/Timestamp pair of a push or query: base64(shortcode + passkey + timestamp), timestamp in Nairobi time. */
public class StkPassword {

    public static final ZoneId NAIROBI = ZoneId.of("Africa/Nairobi");
    public static final DateTimeFormatter DARAJA_TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private final Clock clock;

    public StkPassword(Clock clock) {
        this.clock = clock;
    }

    /** Password and Timestamp from one instant, as Daraja requires. */
    public record Credentials(String password, String timestamp) {
        @Override
        public String toString() {
            return "Credentials[timestamp " + timestamp + "]";
        }
    }

    public Credentials forMerchant(Merchant merchant) {
        if (merchant.usesFixedPassword()) {
            return new Credentials(merchant.fixedPassword(), merchant.fixedTimestamp());
        }
        String timestamp = ZonedDateTime.now(clock.withZone(NAIROBI)).format(DARAJA_TIMESTAMP);
        return new Credentials(password(merchant.shortcode(), merchant.passkey(), timestamp), timestamp);
    }

    public static String password(String shortcode, String passkey, String timestamp) {
        return Base64.getEncoder().encodeToString((shortcode + passkey + timestamp).getBytes(StandardCharsets.UTF_8));
    }
}
