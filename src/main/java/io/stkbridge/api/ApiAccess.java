package io.stkbridge.api;

import io.stkbridge.http.AddressRanges;
import io.stkbridge.http.ClientAddresses;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may use the support API and console. Closed unless a credential is configured: API keys (header
 * {@code X-Api-Key}) for tools, and named users with hashed passwords (HTTP Basic) for people. A READER may search and
 * read attempts (phone numbers masked); an OPERATOR may also force an STK Query and reveal a customer's full phone
 * number. A wrong or missing credential gets 401 and nothing else; a reader asking for an operator action gets 403.
 */
public class ApiAccess {

    public enum Role {
        READER, OPERATOR;

        boolean allows(Role needed) {
            return this == OPERATOR || needed == READER;
        }
    }

    public record Principal(String name, Role role) {
    }

    public static class UnauthorizedException extends RuntimeException {
        public UnauthorizedException() {
            super("unauthorized");
        }
    }

    public static class ForbiddenException extends RuntimeException {
        public ForbiddenException(Principal principal, Role needed) {
            super(principal.name() + " is " + principal.role() + ", not " + needed);
        }
    }

    /** A password is hashed slowly on purpose; once it has matched, the same password is recognized quickly for a while. */
    private static final Duration VERIFIED_FOR = Duration.ofMinutes(10);
    /** An unknown user name costs what a wrong password costs: the response time does not tell which names exist. */
    private static final String NO_SUCH_USER = PasswordHashes.matchingNothing();
    /** 128 bits as hex: a key that cannot be guessed, whatever the throttling. */
    static final int MIN_API_KEY_LENGTH = 32;

    private record User(String name, Role role, String passwordHash) {
    }

    private record Verified(byte[] digest, Instant until) {
    }

    private final Map<String, Role> apiKeys;
    private final Map<String, User> users;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();
    private final Clock clock;
    private final ClientAddresses clients;
    private final SignInThrottle throttle;

    private ApiAccess(Map<String, Role> apiKeys, Map<String, User> users, Clock clock, ClientAddresses clients,
                      SignInThrottle throttle) {
        this.apiKeys = apiKeys;
        this.users = users;
        this.clock = clock;
        this.clients = clients;
        this.throttle = throttle;
    }

    /**
     * @param operatorKey an API key with the OPERATOR role (blank: none)
     * @param readerKey   an API key with the READER role (blank: none)
     * @param userList    {@code name:role:hash} entries separated by commas or new lines (blank: none)
     * @param problems    receives one message per malformed entry, naming the entry's position and never its value
     */
    public static ApiAccess configure(String operatorKey, String readerKey, String userList, Clock clock, List<String> problems) {
        return configure(operatorKey, readerKey, userList, clock, new ClientAddresses(AddressRanges.none()),
                new SignInThrottle(0, Duration.ZERO, Integer.MAX_VALUE, clock), problems);
    }

    /**
     * As {@link #configure(String, String, String, Clock, List)}, with failed sign-ins throttled per client (found by
     * {@code clients}, the trusted-proxy rule) and per user name.
     */
    public static ApiAccess configure(String operatorKey, String readerKey, String userList, Clock clock,
                                      ClientAddresses clients, SignInThrottle throttle, List<String> problems) {
        Map<String, Role> keys = new LinkedHashMap<>();
        if (!operatorKey.isBlank()) {
            keys.put(operatorKey, Role.OPERATOR);
        }
        if (!readerKey.isBlank()) {
            keys.put(readerKey, Role.READER);
        }
        for (Map.Entry<String, String> key : Map.of("STK_API_OPERATOR_KEY", operatorKey, "STK_API_READER_KEY", readerKey).entrySet()) {
            if (!key.getValue().isBlank() && key.getValue().length() < MIN_API_KEY_LENGTH) {
                problems.add(key.getKey() + " must be at least " + MIN_API_KEY_LENGTH
                        + " characters (for example: openssl rand -hex 16)");
            }
        }
        Map<String, User> users = new LinkedHashMap<>();
        List<String> entries = new ArrayList<>(List.of(userList.split("[,\\n]")));
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i).trim();
            if (entry.isEmpty()) {
                continue;
            }
            String[] parts = entry.split(":", 3);
            Optional<Role> role = parts.length == 3 ? role(parts[1]) : Optional.empty();
            if (parts.length != 3 || parts[0].isBlank() || role.isEmpty() || !PasswordHashes.isWellFormed(parts[2])) {
                problems.add("STK_API_USERS entry " + (i + 1) + " must be name:reader|operator:pbkdf2-sha256:… "
                        + "(hash made by io.stkbridge.api.PasswordHashes; see README, Support console)");
                continue;
            }
            users.put(parts[0].trim(), new User(parts[0].trim(), role.get(), parts[2].trim()));
        }
        return new ApiAccess(keys, users, clock, clients, throttle);
    }

    public boolean isOpen() {
        return !apiKeys.isEmpty() || !users.isEmpty();
    }

    /** The caller, from an {@code Authorization: Basic …} header or an {@code X-Api-Key} header. */
    public Principal authenticate(String authorization, String apiKey) {
        if (apiKey != null && !apiKey.isEmpty()) {
            for (Map.Entry<String, Role> key : apiKeys.entrySet()) {
                if (constantTimeEquals(key.getKey(), apiKey)) {
                    return new Principal(key.getValue() == Role.OPERATOR ? "operator-api-key" : "reader-api-key", key.getValue());
                }
            }
            throw new UnauthorizedException();
        }
        String decoded = basic(authorization).orElseThrow(UnauthorizedException::new);
        int colon = decoded.indexOf(':');
        User user = colon < 0 ? null : users.get(decoded.substring(0, colon));
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        if (user == null) {
            throttle.matches(password.toCharArray(), NO_SUCH_USER);
            throw new UnauthorizedException();
        }
        if (!passwordMatches(user, password)) {
            throw new UnauthorizedException();
        }
        return new Principal(user.name(), user.role());
    }

    /**
     * The caller if it holds the role; used by the routes before anything else happens. A client or user name with too
     * many recent failed sign-ins is refused before any credential is checked.
     */
    public Principal require(String role, String authorization, String apiKey, String remoteAddress, String forwardedFor) {
        Role needed = Role.valueOf(role);
        boolean presented = (authorization != null && !authorization.isEmpty()) || (apiKey != null && !apiKey.isEmpty());
        String client = "client " + clients.clientOf(remoteAddress, forwardedFor);
        String user = basicUserName(authorization).map(name -> "user " + name).orElse(null);
        throttle.check(client, user);
        Principal principal;
        try {
            principal = authenticate(authorization, apiKey);
        } catch (UnauthorizedException refused) {
            if (presented) {
                throttle.failed(client, user);
            }
            throw refused;
        }
        if (user != null) {
            throttle.succeeded(user);
        }
        if (!principal.role().allows(needed)) {
            throw new ForbiddenException(principal, needed);
        }
        return principal;
    }

    /** The user name an {@code Authorization: Basic} header claims, if it can be read. */
    private static Optional<String> basicUserName(String authorization) {
        return basic(authorization).filter(decoded -> decoded.indexOf(':') >= 0)
                .map(decoded -> decoded.substring(0, decoded.indexOf(':')));
    }

    /** {@code name:password} from an {@code Authorization: Basic} header; empty for any other or unreadable header. */
    private static Optional<String> basic(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private boolean passwordMatches(User user, String password) {
        byte[] digest = sha256(user.passwordHash() + '\n' + password);
        Verified known = verified.get(user.name());
        Instant now = clock.instant();
        if (known != null && now.isBefore(known.until()) && MessageDigest.isEqual(known.digest(), digest)) {
            return true;
        }
        if (!throttle.matches(password.toCharArray(), user.passwordHash())) {
            return false;
        }
        verified.put(user.name(), new Verified(digest, now.plus(VERIFIED_FOR)));
        return true;
    }

    private static Optional<Role> role(String text) {
        try {
            return Optional.of(Role.valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean constantTimeEquals(String configured, String presented) {
        return MessageDigest.isEqual(sha256(configured), sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
