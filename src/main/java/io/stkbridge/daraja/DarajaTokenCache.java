package io.stkbridge.daraja;

import io.stkbridge.WorkSlots;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * OAuth access tokens, one per consumer key, reused until shortly before they expire. Under concurrency only one
 * caller per key fetches; the others wait for its token. It remembers whether the last fetch per key failed, for the
 * readiness check, which never fetches a token itself.
 */
public class DarajaTokenCache {

    /**
     * Fetches a fresh token from Daraja; throws {@link DarajaAuthException} when the credentials are refused and
     * {@link DarajaUnavailableException} when Daraja gives none for another reason.
     */
    public interface Fetcher {
        AccessToken fetch(Merchant merchant);
    }

    public record AccessToken(String value, Duration lifetime) {
        @Override
        public String toString() {
            return "AccessToken[lifetime " + lifetime + "]";
        }
    }

    /** What the cache knows about a merchant's token, without asking Daraja. */
    public enum TokenState {
        /** A token that has not expired is cached. */
        VALID,
        /** None fetched yet, or the last one expired or was refused by a call, and no fetch has failed since. */
        NONE,
        /** No valid token, and Daraja refused the credentials at the last fetch (a configuration error). */
        REFUSED,
        /** No valid token, and the last fetch got no token from Daraja (unreachable, or answering 5xx: an outage). */
        UNREACHABLE
    }

    private record Cached(String value, Instant refreshAfter, Instant expiresAt) {
    }

    private final Fetcher fetcher;
    private final Clock clock;
    private final WorkSlots slots;
    private final Duration refreshMargin;
    private final Consumer<Merchant> onFetched;
    private final Map<String, Cached> tokens = new ConcurrentHashMap<>();
    private final Map<String, TokenState> lastFailures = new ConcurrentHashMap<>();
    private final Map<String, Object> refreshLocks = new ConcurrentHashMap<>();

    public DarajaTokenCache(Fetcher fetcher, Clock clock, Duration refreshMargin) {
        this(fetcher, clock, refreshMargin, merchant -> { });
    }

    /** @param onFetched told of every new token, with the merchant whose call fetched it (metrics) */
    public DarajaTokenCache(Fetcher fetcher, Clock clock, Duration refreshMargin, Consumer<Merchant> onFetched) {
        this(fetcher, clock, refreshMargin, onFetched, null);
    }

    /** @param slots the intake's working slots, given up while a caller waits for a token (null: none) */
    public DarajaTokenCache(Fetcher fetcher, Clock clock, Duration refreshMargin, Consumer<Merchant> onFetched,
                            WorkSlots slots) {
        this.slots = slots;
        this.fetcher = fetcher;
        this.clock = clock;
        this.refreshMargin = refreshMargin;
        this.onFetched = onFetched;
    }

    public String bearer(Merchant merchant) {
        Cached cached = tokens.get(merchant.consumerKey());
        if (isFresh(cached)) {
            return cached.value();
        }
        // callers wait for the one that fetches: not in a working slot, which the fetching caller may need back
        return slots == null ? fetchOnce(merchant) : slots.waitFor(() -> fetchOnce(merchant));
    }

    private String fetchOnce(Merchant merchant) {
        Cached cached;
        synchronized (refreshLocks.computeIfAbsent(merchant.consumerKey(), key -> new Object())) {
            cached = tokens.get(merchant.consumerKey());
            if (isFresh(cached)) {
                return cached.value();
            }
            AccessToken token;
            try {
                token = fetcher.fetch(merchant);
            } catch (DarajaUnavailableException e) {
                lastFailures.put(merchant.consumerKey(), TokenState.UNREACHABLE);
                throw e;
            } catch (DarajaAuthException e) {
                lastFailures.put(merchant.consumerKey(), TokenState.REFUSED);
                throw e;
            }
            lastFailures.remove(merchant.consumerKey());
            Instant now = clock.instant();
            Duration usable = token.lifetime().minus(refreshMargin);
            Instant refreshAfter = now.plus(usable.isNegative() ? Duration.ZERO : usable);
            tokens.put(merchant.consumerKey(), new Cached(token.value(), refreshAfter, now.plus(token.lifetime())));
            try {
                onFetched.accept(merchant);
            } catch (RuntimeException e) {
                // counting must never cost a push its token
            }
            return token.value();
        }
    }

    /** Forgets a token Daraja refused, unless another caller already replaced it. */
    public void invalidate(Merchant merchant, String refusedToken) {
        tokens.computeIfPresent(merchant.consumerKey(), (key, cached) -> cached.value().equals(refusedToken) ? null : cached);
    }

    /** The merchant's token as last seen; a token past its refresh time but not yet expired still counts as valid. */
    public TokenState state(Merchant merchant) {
        Cached cached = tokens.get(merchant.consumerKey());
        if (cached != null && clock.instant().isBefore(cached.expiresAt())) {
            return TokenState.VALID;
        }
        return lastFailures.getOrDefault(merchant.consumerKey(), TokenState.NONE);
    }

    private boolean isFresh(Cached cached) {
        return cached != null && clock.instant().isBefore(cached.refreshAfter());
    }
}
