package io.stkbridge;

import io.stkbridge.testing.ConfigurationVariables;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every environment variable the code reads is in the README's configuration reference, with the default the code
 * applies; {@code --help} prints that reference, so it lists them all too.
 */
class ConfigurationDocumentedTest {

    @Test
    void everyVariableReadIsDocumented() throws IOException {
        Set<String> read = ConfigurationVariables.read();
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

    @Test
    void helpListsEveryVariableReadWithTheDefaultTheCodeApplies() throws IOException {
        List<Help.Variable> listed = Help.variables(Files.readString(Path.of("README.md")));
        Set<String> names = listed.stream().map(Help.Variable::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(ConfigurationVariables.read());
        missing.removeAll(names);
        assertEquals(Set.of(), missing, "read by the code but not in README's Secrets or Settings table (so not in --help)");
        assertEquals(listed.size(), names.size(), "a variable is listed twice: " + listed);

        Map<String, String> defaults = defaultsInConfigurationFiles();
        Map<String, String> wrong = new TreeMap<>();
        for (Help.Variable variable : listed) {
            if (!variable.defaultOrRequired().startsWith("default: ")) {
                continue;
            }
            String documented = variable.defaultOrRequired().substring("default: ".length());
            String applied = defaults.get(variable.name());
            boolean none = documented.startsWith("–");
            if (applied == null || (none ? !applied.isEmpty() : !documented.equals(applied))) {
                wrong.put(variable.name(), "README says " + documented + ", the code applies " + applied);
            }
        }
        assertEquals(Map.of(), wrong, "README's Default column differs from application.properties / log4j2.properties");
        for (Help.Variable variable : listed) {
            assertFalse(variable.meaning().isBlank(), variable.name() + " has no meaning");
            assertFalse(variable.meaning().contains("`") || variable.meaning().contains("]("), variable.meaning());
        }
    }

    @Test
    void helpIsOneLinePerVariableAfterItsName() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Help.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("KAFKA_BOOTSTRAP_SERVERS                default: localhost:9092\n      Brokers.\n"), help);
        assertTrue(help.contains("STK_LOG_FORMAT"), help);
        assertTrue(help.contains("STK_KAFKA_PROPERTY_<NAME>") && help.contains("OTEL_TRACES_EXPORTER"),
                "the variables read by prefix are named too: " + help);
        assertTrue(help.contains("STK_API_USERS                          required: no\n"
                + "      Support console users, name:reader|operator:hash (Access).\n"), help);
    }

    private static Map<String, String> defaultsInConfigurationFiles() throws IOException {
        Map<String, String> defaults = new HashMap<>();
        Matcher camel = Pattern.compile("\\{\\{env:([A-Z0-9_]+):([^}]*)}}")
                .matcher(Files.readString(Path.of("src/main/resources/application.properties")));
        while (camel.find()) {
            defaults.put(camel.group(1), camel.group(2));
        }
        Matcher log4j = Pattern.compile("\\$\\{env:([A-Z0-9_]+):-([^}]*)}")
                .matcher(Files.readString(Path.of("src/main/resources/log4j2.properties")));
        while (log4j.find()) {
            defaults.put(log4j.group(1), log4j.group(2));
        }
        return defaults;
    }
}
