package io.stkbridge.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code docker/Dockerfile} gives its default target, the stk-bridge image, read from the file itself so that the
 * tests and the deployed benchmark run the jar as the container does.
 */
public final class ContainerImage {

    private static final Path DOCKERFILE = Path.of("docker", "Dockerfile");

    private ContainerImage() {
    }

    /** The last ENTRYPOINT (the default target's), as its exec-form array. */
    public static List<String> entrypoint() {
        String json = null;
        for (String instruction : instructions()) {
            if (instruction.startsWith("ENTRYPOINT ")) {
                json = instruction.substring("ENTRYPOINT ".length());
            }
        }
        try {
            return List.of(new ObjectMapper().readValue(json, String[].class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The ENV of the last stage that is not one of the product's own settings ({@code STK_*}, {@code DARAJA_*}): what
     * the image sets for the JVM and the C library.
     */
    public static Map<String, String> runtimeEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String instruction : instructions()) {
            if (instruction.startsWith("FROM ")) {
                environment.clear();
            } else if (instruction.startsWith("ENV ")) {
                environment.putAll(assignments(instruction.substring("ENV ".length())));
            }
        }
        environment.keySet().removeIf(name -> name.startsWith("STK_") || name.startsWith("DARAJA_"));
        return environment;
    }

    /** The JVM options the entrypoint gives java from {@code JAVA_OPTS} in this environment (split as the shell does). */
    public static List<String> javaOptions(Map<String, String> environment) {
        String options = environment.getOrDefault("JAVA_OPTS", "").strip();
        return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
    }

    /** The Dockerfile's instructions, each on one line (continuations joined), without comments. */
    private static List<String> instructions() {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        try {
            for (String line : Files.readAllLines(DOCKERFILE)) {
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                } else {
                    instructions.add(current.append(trimmed).toString());
                    current.setLength(0);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return instructions;
    }

    /** {@code NAME=value NAME="a value"} as in an ENV instruction. */
    private static Map<String, String> assignments(String text) {
        Map<String, String> assignments = new LinkedHashMap<>();
        int i = 0;
        while (i < text.length()) {
            while (i < text.length() && text.charAt(i) == ' ') {
                i++;
            }
            int equals = text.indexOf('=', i);
            if (equals < 0) {
                break;
            }
            String name = text.substring(i, equals);
            StringBuilder value = new StringBuilder();
            i = equals + 1;
            boolean quoted = false;
            for (; i < text.length() && (quoted || text.charAt(i) != ' '); i++) {
                char c = text.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else {
                    value.append(c);
                }
            }
            assignments.put(name, value.toString());
        }
        return assignments;
    }
}
