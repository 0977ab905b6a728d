package io.stkbridge.daraja;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DarajaTokenCacheTest {

    private static final Merchant MERCHANT = new Merchant("m", "174379", "174379", Merchant.PAY_BILL, "key", "secret", "pk", "", "");

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void reusesATokenUntilShortlyBeforeItExpires() {
        MutableClock clock = new MutableClock();
        AtomicInteger fetches = new AtomicInteger();
        DarajaTokenCache cache = new DarajaTokenCache(m -> new DarajaTokenCache.AccessToken("t" + fetches.incrementAndGet(),
                Duration.ofSeconds(3599)), clock, Duration.ofSeconds(60));
        assertEquals("t1", cache.bearer(MERCHANT));
        clock.now = clock.now.plusSeconds(3500);
        assertEquals("t1", cache.bearer(MERCHANT));
        clock.now = clock.now.plusSeconds(40);
        assertEquals("t2", cache.bearer(MERCHANT));
    }

    /**
     * Sixteen callers are all inside {@code bearer} (waiting, not running) while the first fetch is still under way, and
     * only then is the fetch let go: the others waited for it, none fetched too.
     */
    @Test
    void oneRefreshAtATimeUnderConcurrency() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        DarajaTokenCache cache = new DarajaTokenCache(m -> {
            fetches.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new DarajaTokenCache.AccessToken("shared", Duration.ofSeconds(3599));
        }, Clock.systemUTC(), Duration.ofSeconds(60));
        int callers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Thread> inside = new CopyOnWriteArrayList<>();
        List<Future<String>> results = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> {
                    inside.add(Thread.currentThread());
                    return cache.bearer(MERCHANT);
                }));
            }
            // every caller has called bearer and is parked (on the refresh lock, or in a fetch of its own) before the
            // first fetch ends: a cache that let two fetch at once would show it now
            await(Duration.ofSeconds(30), () -> "every caller waiting inside bearer: " + inside.stream()
                    .map(t -> t.getName() + " " + t.getState()).toList() + ", fetches " + fetches.get(), () ->
                    fetches.get() >= 1 && inside.size() == callers && inside.stream().allMatch(t -> EnumSet.of(
                            Thread.State.BLOCKED, Thread.State.WAITING, Thread.State.TIMED_WAITING).contains(t.getState())));
            release.countDown();
            for (Future<String> result : results) {
                assertEquals("shared", result.get(30, TimeUnit.SECONDS));
            }
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(1, fetches.get());
    }

    @Test
    void aRefusedTokenIsReplacedButAFreshOneIsKept() {
        AtomicInteger fetches = new AtomicInteger();
        DarajaTokenCache cache = new DarajaTokenCache(m -> new DarajaTokenCache.AccessToken("t" + fetches.incrementAndGet(),
                Duration.ofSeconds(3599)), Clock.systemUTC(), Duration.ofSeconds(60));
        String first = cache.bearer(MERCHANT);
        cache.invalidate(MERCHANT, first);
        String second = cache.bearer(MERCHANT);
        assertNotEquals(first, second);
        cache.invalidate(MERCHANT, first);
        assertEquals(second, cache.bearer(MERCHANT));
    }

    @Test
    void remembersPerConsumerKeyWhetherATokenIsObtainableWithoutFetching() {
        MutableClock clock = new MutableClock();
        Merchant other = new Merchant("o", "600100", "600100", Merchant.PAY_BILL, "other-key", "s", "pk", "", "");
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        List<String> fetchedFor = new java.util.concurrent.CopyOnWriteArrayList<>();
        DarajaTokenCache cache = new DarajaTokenCache(m -> {
            if (failure.get() != null) {
                throw failure.get();
            }
            return new DarajaTokenCache.AccessToken("t-" + m.consumerKey(), Duration.ofSeconds(3599));
        }, clock, Duration.ofSeconds(60), m -> fetchedFor.add(m.name()));

        assertEquals(DarajaTokenCache.TokenState.NONE, cache.state(MERCHANT));
        cache.bearer(MERCHANT);
        assertEquals(DarajaTokenCache.TokenState.VALID, cache.state(MERCHANT));
        assertEquals(DarajaTokenCache.TokenState.NONE, cache.state(other), "tokens are per consumer key");

        failure.set(new DarajaAuthException("refused"));
        clock.now = clock.now.plusSeconds(3550);
        assertThrows(DarajaAuthException.class, () -> cache.bearer(MERCHANT));
        assertEquals(DarajaTokenCache.TokenState.VALID, cache.state(MERCHANT), "the old token has not expired yet");
        clock.now = clock.now.plusSeconds(60);
        assertEquals(DarajaTokenCache.TokenState.REFUSED, cache.state(MERCHANT));
        failure.set(new DarajaUnavailableException("down"));
        assertThrows(DarajaUnavailableException.class, () -> cache.bearer(other));
        assertEquals(DarajaTokenCache.TokenState.UNREACHABLE, cache.state(other));

        failure.set(null);
        cache.bearer(MERCHANT);
        assertEquals(DarajaTokenCache.TokenState.VALID, cache.state(MERCHANT));
        assertEquals(List.of("m", "m"), fetchedFor, "each new token is counted, failures are not");
    }

    @Test
    void expiresInIsReadAsStringOrNumber() {
        assertEquals(Duration.ofSeconds(3599), OAuthAnswers.read(200, "{\"access_token\":\"a\",\"expires_in\":\"3599\"}").lifetime());
        assertEquals(Duration.ofSeconds(3600), OAuthAnswers.read(200, "{\"access_token\":\"a\",\"expires_in\":3600}").lifetime());
    }

    @ParameterizedTest(name = "HTTP {0} {1}: credentials refused")
    @CsvSource(delimiter = '|', value = {
            "400|{\"errorCode\":\"400.008.01\",\"errorMessage\":\"Invalid Authentication passed\"}",
            "400|{\"errorCode\":\"400.008.02\",\"errorMessage\":\"Invalid grant type passed\"}",
            "400|''",
            "401|{\"errorCode\":\"401.002.01\",\"errorMessage\":\"Error Occurred - Invalid Access Token\"}",
            "404|{\"errorCode\":\"404.001.01\",\"errorMessage\":\"Resource not found\"}"})
    void onlyA4xxRefusesTheCredentials(int status, String body) {
        assertThrows(DarajaAuthException.class, () -> OAuthAnswers.read(status, body));
    }

    @ParameterizedTest(name = "HTTP {0} {1}: no token for now")
    @CsvSource(delimiter = '|', value = {
            "503|<html><body><h1>503 Service Unavailable</h1></body></html>",
            "500|{\"errorCode\":\"500.003.1001\",\"errorMessage\":\"Internal Server Error\"}",
            "502|''",
            "429|{\"errorCode\":\"429\",\"errorMessage\":\"Too many requests\"}",
            "408|''",
            "200|<html><body>maintenance</body></html>",
            "200|{\"expires_in\":\"3599\"}"})
    void daraja5xxOrHtmlIsAnOutageNotAConfigurationError(int status, String body) {
        DarajaUnavailableException outage = assertThrows(DarajaUnavailableException.class, () -> OAuthAnswers.read(status, body));
        assertTrue(outage.getMessage().startsWith("Daraja gave no OAuth token: "), outage.getMessage());
    }
}
