package io.stkbridge;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every environment variable the code reads is in the README's configuration reference. */
class ConfigurationDocumentedTest {

    @Test
    void everyVariableReadIsDocumented() throws IOException {
        Set<String> read = new TreeSet<>();
        collect(Files.readString(Path.of("src/main/resources/application.properties")), "\\{\\{env:([A-Z0-9_]+)", read);
        collect(Files.readString(Path.of("src/main/resources/log4j2.properties")), "\\$\\{env:([A-Z0-9_]+)", read);
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java/io/stkbridge"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("simulator")).toList()) {
                collect(Files.readString(source), "secret\\(\"([A-Z0-9_]+)\"", read);
            }
        }
        assertTrue(read.size() > 40, "found the variables: " + read);
        String readme = Files.readString(Path.of("README.md"));
        Set<String> undocumented = new TreeSet<>();
        for (String variable : read) {
            if (!readme.contains("`" + variable + "`")) {
                undocumented.add(variable);
            }
        }
        assertEquals(Set.of(), undocumented, "read by the code but missing from README's configuration reference");
    }

    private static void collect(String text, String regex, Set<String> into) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            into.add(matcher.group(1));
        }
    }
}
