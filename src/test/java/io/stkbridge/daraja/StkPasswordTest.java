package io.stkbridge.daraja;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StkPasswordTest {

    private static final String PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

    private static Merchant merchant(String password, String timestamp) {
        return new Merchant("m", "174379", "174379", Merchant.PAY_BILL, "key", "secret", PASSKEY, password, timestamp);
    }

    @Test
    void timestampIsNairobiTimeAndPasswordIsFromTheSameInstant() {
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T09:00:00Z"), ZoneOffset.UTC);
        StkPassword.Credentials credentials = new StkPassword(clock).forMerchant(merchant("", ""));
        assertEquals("20260101120000", credentials.timestamp());
        assertEquals("174379" + PASSKEY + "20260101120000",
                new String(Base64.getDecoder().decode(credentials.password()), StandardCharsets.UTF_8));
    }

    @Test
    void aConfiguredPasswordAndTimestampPairIsUsedAsIs() {
        StkPassword.Credentials credentials = new StkPassword(Clock.systemUTC()).forMerchant(merchant("cHc=", "20250101000000"));
        assertEquals("cHc=", credentials.password());
        assertEquals("20250101000000", credentials.timestamp());
    }

    @Test
    void credentialsNeverPrintThePassword() {
        StkPassword.Credentials credentials = new StkPassword(Clock.systemUTC()).forMerchant(merchant("", ""));
        assertEquals(-1, credentials.toString().indexOf(credentials.password()));
        assertEquals(-1, merchant("", "").toString().indexOf(PASSKEY));
    }
}
