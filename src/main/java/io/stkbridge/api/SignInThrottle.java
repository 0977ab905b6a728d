package io.stkbridge.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed sign-ins counted per key (a client address, a user name): after {@code maxFailures} within {@code window} of
 * the first, the key is refused until that window ends, before any password is hashed. A password costs 600,000 PBKDF2
 * iterations, so without this a few dozen parallel guesses would take the CPU from Daraja's callbacks.
 */
public class SignInThrottle {

    /** Keys are dropped once their window is over; beyond this many live ones, new keys are not tracked. */
    static final int MAX_KEYS = 100_000;

    public static class TooManyFailuresException extends RuntimeException {
        private final long retryAfterSeconds;

        TooManyFailuresException(long retryAfterSeconds) {
            super("too many failed sign-ins");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private record Failures(Instant since, int count) {
    }

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    /** @param maxFailures 0: no throttling */
    public SignInThrottle(int maxFailures, Duration window, Clock clock) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = clock;
    }

    /** Throws when any of the keys (null ones are skipped) has used up its failures. */
    public void check(String... keys) {
        if (maxFailures == 0) {
            return;
        }
        Instant now = clock.instant();
        long wait = 0;
        for (String key : keys) {
            Failures counted = key == null ? null : failures.get(key);
            if (counted != null && counted.count() >= maxFailures && now.isBefore(counted.since().plus(window))) {
                wait = Math.max(wait, Duration.between(now, counted.since().plus(window)).toSeconds() + 1);
            }
        }
        if (wait > 0) {
            throw new TooManyFailuresException(wait);
        }
    }

    public void failed(String... keys) {
        if (maxFailures == 0) {
            return;
        }
        Instant now = clock.instant();
        if (failures.size() >= MAX_KEYS) {
            failures.values().removeIf(counted -> !now.isBefore(counted.since().plus(window)));
        }
        for (String key : keys) {
            if (key == null || (failures.size() >= MAX_KEYS && !failures.containsKey(key))) {
                continue;
            }
            failures.compute(key, (k, counted) -> counted == null || !now.isBefore(counted.since().plus(window))
                    ? new Failures(now, 1) : new Failures(counted.since(), counted.count() + 1));
        }
    }

    public void succeeded(String key) {
        failures.remove(key);
    }
}
