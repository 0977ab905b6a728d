package io.stkbridge;

import org.apache.camel.spi.PropertiesComponent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads configuration and collects every problem before failing, so one start-up error names all missing keys at once.
 * Secrets come only from the environment variable or a file named by {@code <VAR>_FILE} (Docker and Kubernetes
 * secrets), never from a properties file (which Camel would list at start-up); their values never appear in a message.
 */
public class Settings {

    /** Ends every start-up error: where each variable is explained. */
    public static final String HELP_POINTER = "Every variable, with its default and meaning: java -jar stk-bridge.jar --help "
            + "(or README.md, Configuration).";

    private final PropertiesComponent properties;
    private final Map<String, String> environment;
    private final List<String> problems = new ArrayList<>();

    public Settings(PropertiesComponent properties, Map<String, String> environment) {
        this.properties = properties;
        this.environment = environment;
    }

    public String text(String key, String environmentVariable) {
        String value = properties.resolveProperty(key).map(String::trim).orElse("");
        if (value.isEmpty()) {
            problems.add(environmentVariable + " (" + key + ") is required");
        }
        return value;
    }

    public String optional(String key) {
        return properties.resolveProperty(key).map(String::trim).orElse("");
    }

    public int integer(String key, String environmentVariable) {
        String value = text(key, environmentVariable);
        try {
            return value.isEmpty() ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            problems.add(environmentVariable + " (" + key + ") must be a whole number, not '" + value + "'");
            return 0;
        }
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(optional(key));
    }

    public String secret(String environmentVariable, boolean required) {
        return secret(environmentVariable,
                required ? environmentVariable + " (or " + environmentVariable + "_FILE) is required" : null);
    }

    /**
     * A secret that the configuration names by its variable, such as a merchant's {@code passkeyEnv} in the merchants
     * file: read like {@link #secret(String, boolean)}, and when it is missing the problem says where it was named.
     *
     * @param where for example {@code merchants[1].passkeyEnv}
     */
    public String secretNamedBy(String where, String environmentVariable) {
        return secret(environmentVariable, where + ": variable " + environmentVariable + " is not set (nor "
                + environmentVariable + "_FILE)");
    }

    private String secret(String environmentVariable, String problemWhenMissing) {
        String fromEnvironment = environment.getOrDefault(environmentVariable, "").trim();
        if (!fromEnvironment.isEmpty()) {
            return fromEnvironment;
        }
        String file = environment.getOrDefault(environmentVariable + "_FILE", "").trim();
        if (!file.isEmpty()) {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                problems.add(environmentVariable + "_FILE names a file that cannot be read: " + file);
                return "";
            }
        }
        if (problemWhenMissing != null) {
            problems.add(problemWhenMissing);
        }
        return "";
    }

    /**
     * Whether a key or trust store file opens with its password, so that a missing file or a wrong password stops
     * start-up instead of failing every connection later; a problem names both variables, never the password.
     */
    public boolean keyStoreOpens(String fileVariable, String file, String passwordVariable, String password) {
        try (var in = Files.newInputStream(Path.of(file))) {
            // PKCS12, the JDK's default type, which also reads JKS files
            java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType()).load(in, password.toCharArray());
            return true;
        } catch (Exception e) {
            problems.add(fileVariable + " cannot be read as a key store with " + passwordVariable + ": " + file
                    + " (" + e.getClass().getSimpleName() + ")");
            return false;
        }
    }

    public void problem(String description) {
        problems.add(description);
    }

    /** Fails start-up with every problem found, without printing any value. */
    public void check() {
        if (!problems.isEmpty()) {
            throw refused(problems);
        }
    }

    /** The start-up failure for these problems (descriptions that name variables, never their values). */
    public static ConfigurationException refused(List<String> problems) {
        return new ConfigurationException("stk-bridge cannot start; fix its configuration (see README, Configuration):\n  - "
                + String.join("\n  - ", problems) + "\n" + HELP_POINTER);
    }
}
