package io.stkbridge.daraja;

import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TpsLimiterTest {

    @Test
    void eachShortcodeHasItsOwnBucketAndAMerchantMayHaveItsOwnLimit() {
        Clock fixed = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        TpsLimiter limiter = new TpsLimiter(3, Map.of("600100", 1.0), fixed);

        assertTrue(limiter.tryAcquire("600100"));
        assertFalse(limiter.tryAcquire("600100"), "the merchant's pushTps of 1");
        for (int i = 0; i < 3; i++) {
            assertTrue(limiter.tryAcquire("600200"), "the default of 3 for others");
        }
        assertFalse(limiter.tryAcquire("600200"));
    }

    @Test
    void anEvenlySpacedLimiterHandsOutOnePermitPerIntervalEvenAfterAnIdleSpell() {
        MovableClock clock = new MovableClock();
        TpsLimiter limiter = TpsLimiter.evenlySpaced(5, clock);

        clock.advance(Duration.ofSeconds(10));
        assertTrue(limiter.tryAcquire("600100"));
        assertFalse(limiter.tryAcquire("600100"), "no burst saved up while idle");
        clock.advance(Duration.ofMillis(199));
        assertFalse(limiter.tryAcquire("600100"));
        clock.advance(Duration.ofMillis(1));
        assertTrue(limiter.tryAcquire("600100"), "one every 200 ms at 5 per second");
        assertFalse(limiter.tryAcquire("600100"));
    }
}
