package io.stkbridge.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Failed sign-ins counted per key (a client address, a user name): after {@code maxFailures} within {@code window} of
 * the first, the key is refused until that window ends, before any password is hashed. And at most
 * {@code maxConcurrentHashes} passwords are hashed at once; a sign-in beyond that is refused at once instead of waiting.
 * A password costs 600,000 PBKDF2 iterations, so without these a few dozen parallel guesses (from as many addresses)
 * would take the CPU and the HTTP worker threads from Daraja's callbacks.
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

    /** Every password hashing slot is taken: answered 503, never queued behind the others. */
    public static class BusyException extends RuntimeException {
        BusyException() {
            super("sign-ins busy");
        }
    }

    private record Failures(Instant since, int count) {
    }

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Semaphore hashing;

    /**
     * @param maxFailures         0: no throttling
     * @param maxConcurrentHashes at least 1
     */
    public SignInThrottle(int maxFailures, Duration window, int maxConcurrentHashes, Clock clock) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.hashing = new Semaphore(maxConcurrentHashes);
        this.clock = clock;
    }

    /** {@link PasswordHashes#matches}, in one of the hashing slots. */
    boolean matches(char[] password, String hash) {
        if (!hashing.tryAcquire()) {
            throw new BusyException();
        }
        try {
            return PasswordHashes.matches(password, hash);
        } finally {
            hashing.release();
        }
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
