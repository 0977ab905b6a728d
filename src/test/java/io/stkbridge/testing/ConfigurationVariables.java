package io.stkbridge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The environment variables stk-bridge reads, collected from its configuration files and its secret look-ups. */
public final class ConfigurationVariables {

    private ConfigurationVariables() {
    }

    public static Set<String> read() throws IOException {
        Set<String> read = new TreeSet<>();
        collect(Files.readString(Path.of("src/main/resources/application.properties")), "\\{\\{env:([A-Z0-9_]+)", read);
        collect(Files.readString(Path.of("src/main/resources/log4j2.properties")), "\\$\\{env:([A-Z0-9_]+)", read);
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java/io/stkbridge"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("simulator")).toList()) {
                collect(Files.readString(source), "secret\\(\"([A-Z0-9_]+)\"", read);
            }
        }
        return read;
    }

    private static void collect(String text, String regex, Set<String> into) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            into.add(matcher.group(1));
        }
    }
}
