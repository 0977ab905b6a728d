package io.stkbridge.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Issued access tokens: when each stops being valid, and which consumer key (Daraja app) it was issued to. */
final class TokenStore {

    private static final String BEARER = "Bearer ";

    private record Issued(Instant expiry, String consumerKey) {
    }

    private final Map<String, Issued> issuedByToken = new ConcurrentHashMap<>();
    /** Every token ever issued, expired or not (for tests proving that no token reached a log). */
    private final java.util.Set<String> everIssued = ConcurrentHashMap.newKeySet();
    private final Duration lifetime;
    private final Clock clock;

    TokenStore(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    String issue(String consumerKey) {
        Instant now = clock.instant();
        issuedByToken.values().removeIf(issued -> !now.isBefore(issued.expiry()));
        String token;
        do {
            token = Ids.accessToken();
        } while (issuedByToken.putIfAbsent(token, new Issued(now.plus(lifetime), consumerKey)) != null);
        everIssued.add(token);
        return token;
    }

    /**
     * Refuses like Daraja does a missing, unknown or expired bearer token: HTTP 404 {@code 404.001.03}, or HTTP 400
     * {@code 400.003.01} ({@code as400}), the two answers integrators see.
     *
     * @return the consumer key the token was issued to
     */
    String requireValidBearer(Request request, boolean as400) {
        String authorization = request.header("Authorization");
        Issued issued = authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? null : issuedByToken.get(authorization.substring(BEARER.length()).trim());
        if (issued == null || !clock.instant().isBefore(issued.expiry())) {
            throw as400 ? new DarajaError(400, "400.003.01", "Invalid Access Token") : DarajaError.invalidAccessToken();
        }
        return issued.consumerKey();
    }

    java.util.Set<String> everIssued() {
        return java.util.Set.copyOf(everIssued);
    }

    void expireAll() {
        issuedByToken.clear();
    }
}
