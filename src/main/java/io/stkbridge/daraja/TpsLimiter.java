package io.stkbridge.daraja;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per second per shortcode (token bucket, burst of one second's worth, or {@linkplain #evenlySpaced evenly
 * spaced}); callers that get no permit wait for a later turn. Each shortcode may have its own limit (a merchant's
 * {@code pushTps}); the others get the default.
 */
public class TpsLimiter {

    private final double perSecond;
    private final Map<String, Double> perSecondByShortcode;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        private final double perSecond;
        private final double capacity;
        private double tokens;
        private long refilledAtMillis;

        Bucket(double perSecond, double capacity, long now) {
            this.perSecond = perSecond;
            this.capacity = capacity;
            this.tokens = capacity;
            this.refilledAtMillis = now;
        }
    }

    private final boolean burst;

    public TpsLimiter(double perSecond, Clock clock) {
        this(perSecond, Map.of(), clock);
    }

    /** @param perSecondByShortcode limits that differ from {@code perSecond}, by shortcode */
    public TpsLimiter(double perSecond, Map<String, Double> perSecondByShortcode, Clock clock) {
        this(perSecond, perSecondByShortcode, clock, true);
    }

    /**
     * No burst: one permit every 1/{@code perSecond} s, so no second ever sees more than the rate, as a spike arrest
     * that counts in sub-second intervals (Daraja's "Spike Arrest Violation") expects.
     */
    public static TpsLimiter evenlySpaced(double perSecond, Clock clock) {
        return new TpsLimiter(perSecond, Map.of(), clock, false);
    }

    private TpsLimiter(double perSecond, Map<String, Double> perSecondByShortcode, Clock clock, boolean burst) {
        if (perSecond <= 0 || perSecondByShortcode.values().stream().anyMatch(limit -> limit <= 0)) {
            throw new IllegalArgumentException("TPS limit must be positive");
        }
        this.perSecond = perSecond;
        this.perSecondByShortcode = new HashMap<>(perSecondByShortcode);
        this.clock = clock;
        this.burst = burst;
    }

    public double perSecond(String shortcode) {
        return perSecondByShortcode.getOrDefault(shortcode, perSecond);
    }

    /** Waits for a permit: the calling consumer thread slows down, which is how the intake is throttled. */
    public void acquire(String shortcode) throws InterruptedException {
        double limit = perSecond(shortcode);
        while (!tryAcquire(shortcode)) {
            Thread.sleep(Math.max(1, (long) (1000 / limit / 2)));
        }
    }

    public boolean tryAcquire(String shortcode) {
        long now = clock.millis();
        Bucket bucket = buckets.computeIfAbsent(shortcode,
                key -> new Bucket(perSecond(key), burst ? perSecond(key) : 1, now));
        synchronized (bucket) {
            double rate = bucket.perSecond;
            bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.refilledAtMillis) * rate / 1000.0);
            bucket.refilledAtMillis = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
