package io.stkbridge.api;

import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The failure count per key over its window, and what Retry-After says (the HTTP side is in ForwardedForTest). */
class SignInThrottleTest {

    @Test
    void aKeyIsRefusedFromItsLastAllowedFailureUntilItsWindowEnds() {
        MovableClock clock = new MovableClock();
        SignInThrottle throttle = new SignInThrottle(3, Duration.ofMinutes(5), 1, clock);
        for (int i = 0; i < 3; i++) {
            assertDoesNotThrow(() -> throttle.check("client 198.51.100.7", "user amina"));
            throttle.failed("client 198.51.100.7", "user amina");
            clock.advance(Duration.ofSeconds(10));
        }
        SignInThrottle.TooManyFailuresException refused = assertThrows(SignInThrottle.TooManyFailuresException.class,
                () -> throttle.check("client 198.51.100.9", "user amina"));
        assertEquals(271, refused.retryAfterSeconds(), "until five minutes after the first failure, rounded up");
        assertDoesNotThrow(() -> throttle.check("client 198.51.100.9", "user brian"), "other keys are not affected");

        clock.advance(Duration.ofSeconds(271));
        assertDoesNotThrow(() -> throttle.check("client 198.51.100.7", "user amina"), "a new window");
        throttle.failed("client 198.51.100.7", "user amina");
        assertDoesNotThrow(() -> throttle.check("client 198.51.100.7", "user amina"), "counted from one again");
    }

    @Test
    void aSuccessClearsTheUsersCountAndZeroTurnsThrottlingOff() {
        MovableClock clock = new MovableClock();
        SignInThrottle throttle = new SignInThrottle(2, Duration.ofMinutes(5), 1, clock);
        throttle.failed("user amina");
        throttle.succeeded("user amina");
        throttle.failed("user amina");
        assertDoesNotThrow(() -> throttle.check("user amina"));

        SignInThrottle off = new SignInThrottle(0, Duration.ofMinutes(5), 1, clock);
        for (int i = 0; i < 100; i++) {
            off.failed("user amina");
        }
        assertDoesNotThrow(() -> off.check("user amina"));
    }
}
