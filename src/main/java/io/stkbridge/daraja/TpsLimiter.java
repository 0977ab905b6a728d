package io.stkbridge.daraja;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Requests per second per shortcode, evenly spaced: one turn every 1/rate s and no burst saved up while idle (Daraja's
 * spike arrest counts within the second). Each shortcode may have its own limit (a merchant's {@code pushTps}); the
 * others get the default.
 *
 * <p>A Bucket4j token bucket per shortcode, of capacity 1 refilled greedily at the rate. {@linkplain #shared Shared}: the
 * bucket lives in the ledger's PostgreSQL table {@code stk_rate_limit_bucket} (SELECT … FOR UPDATE), so the rate is the
 * merchant's total however many instances run. {@linkplain #local Local}: in this process, for an H2 ledger, which only
 * one instance can open (its file lock).
 *
 * <p>Two kinds of turn: {@link #acquire} reserves the next free turn (the bucket may go below zero, a queue that every
 * instance sees), {@link #acquireSpare} takes a turn only when no reservation is waiting. So a forced query goes ahead
 * of every sweep query waiting, on any instance (behind at most the one a sweep already reserved, see
 * {@link #acquireSpare}). Within an instance, callers of each kind queue in arrival order, one of them
 * at a time at the bucket: an instance never holds more than one reservation of each kind per shortcode.
 *
 * <p>While the bucket's store fails (PostgreSQL unreachable), a turn is tried again with backoff for up to
 * {@code storeWait}; then {@link RateLimitUnavailableException}: the caller's exchange fails (an intent is read again,
 * a query waits for a later sweep). Never a request without its turn.
 */
public class TpsLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(TpsLimiter.class);
    private static final String TABLE = "stk_rate_limit_bucket";
    private static final long MAX_BACKOFF_MS = 2000;

    private final String name;
    private final double perSecond;
    private final Map<String, Double> perSecondByShortcode;
    private final Function<String, Bucket> bucketFactory;
    private final Duration storeWait;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> reserving = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> sparing = new ConcurrentHashMap<>();

    /** Thrown when the rate limit's store failed for longer than the limiter waits: the request was not sent. */
    public static class RateLimitUnavailableException extends RuntimeException {
        public RateLimitUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TpsLimiter(String name, double perSecond, Map<String, Double> perSecondByShortcode, Duration storeWait,
                       Function<TpsLimiter, Function<String, Bucket>> buckets) {
        if (perSecond <= 0 || perSecondByShortcode.values().stream().anyMatch(limit -> limit <= 0)) {
            throw new IllegalArgumentException("TPS limit must be positive");
        }
        this.name = name;
        this.perSecond = perSecond;
        this.perSecondByShortcode = new HashMap<>(perSecondByShortcode);
        this.storeWait = storeWait;
        this.bucketFactory = buckets.apply(this);
    }

    /** In this process only: for an H2 ledger (one instance) and unit tests. */
    public static TpsLimiter local(String name, double perSecond, Map<String, Double> perSecondByShortcode, Clock clock) {
        TimeMeter time = timeOf(clock);
        return new TpsLimiter(name, perSecond, perSecondByShortcode, Duration.ZERO, limiter -> shortcode ->
                Bucket.builder().addLimit(limiter.bandwidth(shortcode)).withCustomTimePrecision(time).build());
    }

    public static TpsLimiter local(String name, double perSecond, Clock clock) {
        return local(name, perSecond, Map.of(), clock);
    }

    /**
     * Shared by every instance on the PostgreSQL ledger behind {@code dataSource}. The bucket's key names the limit, the
     * shortcode and the rate ({@code query:174379:5}), so instances configured alike share it; while their rates differ
     * (a rolling change) each rate has its own bucket. The bucket's times are the instances' clocks (keep them in sync).
     *
     * @param storeWait how long a turn is tried again while the store fails
     */
    public static TpsLimiter shared(String name, DataSource dataSource, double perSecond,
                                    Map<String, Double> perSecondByShortcode, Clock clock, Duration storeWait) {
        ProxyManager<String> store = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table(TABLE)
                .clientClock(timeOf(clock))
                // a statement stuck behind a row lock gives up, and the turn is tried again within storeWait
                .requestTimeout(Duration.ofMillis(Math.max(1000, storeWait.toMillis())))
                .build();
        return new TpsLimiter(name, perSecond, perSecondByShortcode, storeWait, limiter -> shortcode -> {
            BucketConfiguration configuration = BucketConfiguration.builder().addLimit(limiter.bandwidth(shortcode)).build();
            return store.builder().build(limiter.key(shortcode), () -> configuration);
        });
    }

    private static TimeMeter timeOf(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /** One token, refilled in 1/rate s: evenly spaced, and nothing saved up while idle beyond that one. */
    private Bandwidth bandwidth(String shortcode) {
        return Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofNanos(periodNanos(shortcode))).initialTokens(1).build();
    }

    private long periodNanos(String shortcode) {
        return Math.max(1, Math.round(TimeUnit.SECONDS.toNanos(1) / perSecond(shortcode)));
    }

    /** The bucket's key in the shared table: {@code push:174379:20}. */
    String key(String shortcode) {
        return name + ":" + shortcode + ":" + BigDecimal.valueOf(perSecond(shortcode)).stripTrailingZeros().toPlainString();
    }

    public double perSecond(String shortcode) {
        return perSecondByShortcode.getOrDefault(shortcode, perSecond);
    }

    /**
     * Waits for the next free turn, reserved at once: ahead of every {@link #acquireSpare} caller. Pushes wait here (the
     * calling consumer thread slows down, which is how the intake is throttled), and forced queries.
     */
    public void acquire(String shortcode) throws InterruptedException {
        ReentrantLock turn = reserving.computeIfAbsent(shortcode, key -> new ReentrantLock(true));
        turn.lockInterruptibly();
        try {
            Bucket bucket = bucket(shortcode);
            // a reservation: the bucket goes below zero by this turn, and the answer is how long until it is due
            // (Bucket4j's own blocking consume does the same and then parks; this sleeps outside the store's retries)
            sleepNanos(withStore(shortcode, () -> bucket.consumeIgnoringRateLimits(1)));
        } finally {
            turn.unlock();
        }
    }

    /**
     * Waits for a turn nobody has reserved: the sweeper's queries, which give way to forced ones. The turn is reserved
     * as soon as it is at most one period away (no reservation ahead of it), and the caller sleeps until it comes: a
     * turn taken only once it had come lost, each time, the store's round trip and the caller's wake-up to the bucket
     * of capacity 1 (8 % of the rate with two instances on PostgreSQL in the callback-outage benchmark, BENCHMARKS.md).
     * A forced query that arrives meanwhile waits at most for this one turn.
     */
    public void acquireSpare(String shortcode) throws InterruptedException {
        ReentrantLock turn = sparing.computeIfAbsent(shortcode, key -> new ReentrantLock(true));
        turn.lockInterruptibly();
        try {
            Bucket bucket = bucket(shortcode);
            long period = periodNanos(shortcode);
            while (true) {
                long wait = withStore(shortcode, () -> reserveWithin(bucket, period));
                if (wait >= 0) {
                    sleepNanos(wait);
                    return;
                }
                // someone reserved the next turn: look again before the one after it could be ours
                sleepNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), period / 2));
            }
        } finally {
            turn.unlock();
        }
    }

    /** Reserves a turn if it comes within {@code nanos}: how long until it does, or -1 without a reservation. */
    private static long reserveWithin(Bucket bucket, long nanos) {
        long[] wait = {0};
        try {
            // the "blocking strategy" only notes the wait: the caller sleeps outside the store's retries
            return bucket.asBlocking().tryConsume(1, nanos, parked -> wait[0] = parked) ? wait[0] : -1;
        } catch (InterruptedException e) {
            throw new IllegalStateException("not reached: nothing blocks here", e);
        }
    }

    /** A turn now, or false without waiting. */
    public boolean tryAcquire(String shortcode) throws InterruptedException {
        Bucket bucket = bucket(shortcode);
        return withStore(shortcode, () -> bucket.tryConsume(1));
    }

    private Bucket bucket(String shortcode) {
        return buckets.computeIfAbsent(shortcode, bucketFactory);
    }

    private <T> T withStore(String shortcode, Supplier<T> call) throws InterruptedException {
        long deadline = System.nanoTime() + storeWait.toNanos();
        long backoffMs = 50;
        for (int tries = 1; ; tries++) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new RateLimitUnavailableException("The " + name + " rate limit of shortcode " + shortcode
                            + " could not be read from the ledger for " + storeWait.toMillis() + " ms (" + tries
                            + " tries): nothing was sent", e);
                }
                if (tries == 1) {
                    LOG.warn("The {} rate limit of shortcode {} could not be read from the ledger ({}); trying again for "
                            + "up to {} ms, sending nothing meanwhile", name, shortcode, e.toString(), storeWait.toMillis());
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            }
        }
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }
}
