package io.stkbridge.daraja;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Requests per second per shortcode (token bucket, burst of one second's worth); callers that get no permit wait for a later turn. */
public class TpsLimiter {

    private final double perSecond;
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        private double tokens;
        private long refilledAtMillis;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAtMillis = now;
        }
    }

    public TpsLimiter(double perSecond, Clock clock) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("TPS limit must be positive");
        }
        this.perSecond = perSecond;
        this.clock = clock;
    }

    /** Waits for a permit: the calling consumer thread slows down, which is how the intake is throttled. */
    public void acquire(String shortcode) throws InterruptedException {
        while (!tryAcquire(shortcode)) {
            Thread.sleep(Math.max(1, (long) (1000 / perSecond / 2)));
        }
    }

    public boolean tryAcquire(String shortcode) {
        long now = clock.millis();
        Bucket bucket = buckets.computeIfAbsent(shortcode, key -> new Bucket(perSecond, now));
        synchronized (bucket) {
            bucket.tokens = Math.min(perSecond, bucket.tokens + (now - bucket.refilledAtMillis) * perSecond / 1000.0);
            bucket.refilledAtMillis = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
