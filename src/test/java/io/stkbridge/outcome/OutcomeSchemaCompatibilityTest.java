package io.stkbridge.outcome;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stkbridge.kafka.OutcomeRecords;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outcome schema's compatibility rule (README, Schema versions): within a major version a later version only adds.
 * Checked from a consumer's side against every released version kept in {@code src/test/resources/schema-history}:
 * no property removed, none may be absent that was required, none takes a type it could not take, an enum keeps
 * exactly its values, and a changed contract has a new version.
 */
class OutcomeSchemaCompatibilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CURRENT_VERSION = Pattern.compile("/outcome-event/(\\d+)\\.(\\d+)\\.schema\\.json$");
    private static final Pattern RELEASED_VERSION = Pattern.compile("outcome-event-(\\d+)\\.(\\d+)\\.schema\\.json$");

    @Test
    void theCurrentSchemaOnlyAddsToTheReleasedOnesOfItsMajorVersion() throws IOException {
        JsonNode current = JSON.readTree(Path.of("src/main/resources", OutcomeRecords.SCHEMA).toFile());
        int[] version = version(CURRENT_VERSION, current.path("$id").asText());
        List<Path> sameMajor = new ArrayList<>();
        try (Stream<Path> released = Files.list(Path.of("src/test/resources/schema-history"))) {
            for (Path file : released.sorted().toList()) {
                if (version(RELEASED_VERSION, file.getFileName().toString())[0] == version[0]) {
                    sameMajor.add(file);
                }
            }
        }
        assertFalse(sameMajor.isEmpty(), "keep the last released schema of major version " + version[0]
                + " in src/test/resources/schema-history");
        List<String> broken = new ArrayList<>();
        for (Path file : sameMajor) {
            broken.addAll(incompatibilities(JSON.readTree(file.toFile()), current,
                    version(RELEASED_VERSION, file.getFileName().toString()), version, file.getFileName().toString()));
        }
        assertEquals(List.of(), broken, "the outcome schema breaks consumers of an earlier version of its major version");
    }

    @Test
    void eachOutcomeRecordNamesTheSchemaVersionAsItsDataschema() {
        String id = OutcomeRecords.schemaId();
        assertTrue(CURRENT_VERSION.matcher(id).find(), id);
    }

    static List<String> incompatibilities(JsonNode released, JsonNode current, int[] releasedVersion, int[] currentVersion,
                                          String name) {
        List<String> broken = new ArrayList<>();
        if (currentVersion[1] < releasedVersion[1]) {
            broken.add(name + ": the current version is older");
        }
        if (currentVersion[1] == releasedVersion[1] && !contract(released).equals(contract(current))) {
            broken.add(name + ": the contract changed, but not the version in $id: raise the minor version (or, for a "
                    + "breaking change, the major one)");
        }
        Set<String> required = new HashSet<>();
        current.path("required").forEach(r -> required.add(r.asText()));
        released.path("required").forEach(r -> {
            if (!required.contains(r.asText())) {
                broken.add(name + ": " + r.asText() + " is no longer required");
            }
        });
        released.path("properties").fieldNames().forEachRemaining(property -> {
            JsonNode before = released.path("properties").path(property);
            JsonNode now = current.path("properties").path(property);
            if (now.isMissingNode()) {
                broken.add(name + ": property " + property + " was removed");
                return;
            }
            if (before.has("type") && !(now.has("type") && values(before, "type").containsAll(values(now, "type")))) {
                broken.add(name + ": " + property + " may now take type " + now.path("type") + ", was " + before.path("type"));
            }
            if (before.has("enum") && !values(before, "enum").equals(values(now, "enum"))) {
                broken.add(name + ": " + property + " now has the values " + now.path("enum") + ", was " + before.path("enum"));
            }
        });
        return broken;
    }

    /** A keyword's values: a string or an array of them. */
    private static Set<String> values(JsonNode property, String keyword) {
        Set<String> values = new HashSet<>();
        JsonNode node = property.path(keyword);
        if (node.isArray()) {
            node.forEach(v -> values.add(v.asText()));
        } else {
            values.add(node.asText());
        }
        return values;
    }

    /** The schema without what does not bind anyone: its id, title and descriptions. */
    private static JsonNode contract(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove(List.of("$id", "title", "description"));
            object.forEach(OutcomeSchemaCompatibilityTest::strip);
        } else if (node.isArray()) {
            node.forEach(OutcomeSchemaCompatibilityTest::strip);
        }
    }

    private static int[] version(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertTrue(matcher.find(), text + " does not name a version as " + pattern);
        return new int[] {Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))};
    }
}
