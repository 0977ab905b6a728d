package io.stkbridge;

import io.stkbridge.testing.ConfigurationVariables;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every environment variable the code reads is in the README's configuration reference. */
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
}
