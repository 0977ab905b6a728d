package io.stkbridge.api;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Console passwords are stored only as salted PBKDF2-HMAC-SHA256 hashes ({@code pbkdf2-sha256:<iterations>:<salt>:<hash>},
 * Base64), the JDK's own password-based key derivation, so no password ever sits in configuration. {@link #main} prints
 * the hash of a password read from the terminal or standard input.
 */
public final class PasswordHashes {

    static final String SCHEME = "pbkdf2-sha256";
    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
    static final int ITERATIONS = 600_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    private PasswordHashes() {
    }

    public static String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return format(ITERATIONS, salt, derive(password, salt, ITERATIONS, HASH_BITS));
    }

    /** A well-formed hash that no password matches, at the full cost: what an unknown user name is checked against. */
    static String matchingNothing() {
        return format(ITERATIONS, new byte[SALT_BYTES], new byte[HASH_BITS / 8]);
    }

    /** Whether the password matches the stored hash; a malformed stored hash never matches. */
    public static boolean matches(char[] password, String stored) {
        String[] parts = stored == null ? new String[0] : stored.split(":");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            if (iterations < 1 || expected.length == 0) {
                return false;
            }
            return MessageDigest.isEqual(expected, derive(password, salt, iterations, expected.length * 8));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether the text has the shape of a hash this class produces (checked at start-up, before any password is seen). */
    public static boolean isWellFormed(String stored) {
        String[] parts = stored.split(":");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        try {
            return Integer.parseInt(parts[1]) > 0 && Base64.getDecoder().decode(parts[2]).length > 0
                    && Base64.getDecoder().decode(parts[3]).length > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String format(int iterations, byte[] salt, byte[] hash) {
        return SCHEME + ":" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(hash);
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations, int bits) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        }
    }

    /** {@code java -cp stk-bridge.jar io.stkbridge.api.PasswordHashes}: prints the hash of the password typed or piped in. */
    public static void main(String[] args) throws Exception {
        Console console = System.console();
        char[] password;
        if (console != null) {
            password = console.readPassword("Password: ");
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password == null || password.length < 12) {
            System.err.println("Use a password of at least 12 characters.");
            System.exit(2);
        }
        System.out.println(hash(password));
    }
}
