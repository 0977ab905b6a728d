package io.stkbridge.daraja;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OAuth access tokens, one per consumer key, reused until shortly before they expire. Under concurrency only one
 * caller per key fetches; the others wait for its token.
 */
public class DarajaTokenCache {

    /** Fetches a fresh token from Daraja; throws {@link DarajaAuthException} when the credentials are refused. */
    public interface Fetcher {
        AccessToken fetch(Merchant merchant);
    }

    public record AccessToken(String value, Duration lifetime) {
        @Override
        public String toString() {
            return "AccessToken[lifetime " + lifetime + "]";
        }
    }

    private record Cached(String value, Instant refreshAfter) {
    }

    private final Fetcher fetcher;
    private final Clock clock;
    private final Duration refreshMargin;
    private final Map<String, Cached> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> refreshLocks = new ConcurrentHashMap<>();

    public DarajaTokenCache(Fetcher fetcher, Clock clock, Duration refreshMargin) {
        this.fetcher = fetcher;
        this.clock = clock;
        this.refreshMargin = refreshMargin;
    }

    public String bearer(Merchant merchant) {
        Cached cached = tokens.get(merchant.consumerKey());
        if (isFresh(cached)) {
            return cached.value();
        }
        synchronized (refreshLocks.computeIfAbsent(merchant.consumerKey(), key -> new Object())) {
            cached = tokens.get(merchant.consumerKey());
            if (isFresh(cached)) {
                return cached.value();
            }
            AccessToken token = fetcher.fetch(merchant);
            Duration usable = token.lifetime().minus(refreshMargin);
            Instant refreshAfter = clock.instant().plus(usable.isNegative() ? Duration.ZERO : usable);
            tokens.put(merchant.consumerKey(), new Cached(token.value(), refreshAfter));
            return token.value();
        }
    }

    /** Forgets a token Daraja refused, unless another caller already replaced it. */
    public void invalidate(Merchant merchant, String refusedToken) {
        tokens.computeIfPresent(merchant.consumerKey(), (key, cached) -> cached.value().equals(refusedToken) ? null : cached);
    }

    private boolean isFresh(Cached cached) {
        return cached != null && clock.instant().isBefore(cached.refreshAfter());
    }
}
