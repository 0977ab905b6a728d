package io.stkbridge.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Issued access tokens and when each stops being valid. */
final class TokenStore {

    private static final String BEARER = "Bearer ";

    private final Map<String, Instant> expiryByToken = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;

    TokenStore(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    String issue() {
        Instant now = clock.instant();
        expiryByToken.values().removeIf(expiry -> !now.isBefore(expiry));
        String token;
        do {
            token = Ids.accessToken();
        } while (expiryByToken.putIfAbsent(token, now.plus(lifetime)) != null);
        return token;
    }

    /** Refuses like Daraja does (HTTP 404, 404.001.03) a missing, unknown or expired bearer token. */
    void requireValidBearer(Request request) {
        String authorization = request.header("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw DarajaError.invalidAccessToken();
        }
        Instant expiry = expiryByToken.get(authorization.substring(BEARER.length()).trim());
        if (expiry == null || !clock.instant().isBefore(expiry)) {
            throw DarajaError.invalidAccessToken();
        }
    }

    void expireAll() {
        expiryByToken.clear();
    }
}
