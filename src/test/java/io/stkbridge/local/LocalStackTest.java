package io.stkbridge.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.testing.StkBridgeInstance;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's local-run command, end to end: its samples reach the outcomes it promises and it prints them. */
class LocalStackTest {

    @Test
    void theLocalRunShowsAcceptedAndFinalOutcomesForItsSamples() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<JsonNode> finals = LocalStack.run(new PrintStream(console, true, StandardCharsets.UTF_8),
                StkBridgeInstance.freePort(), true, false);

        assertEquals(List.of("SUCCEEDED", "FAILED", "FAILED", "FAILED", "FAILED", "REJECTED", "SUCCEEDED"),
                finals.stream().map(e -> e.path("status").asText()).toList());
        assertEquals(List.of("null", "CANCELLED_BY_USER", "INSUFFICIENT_FUNDS", "CUSTOMER_UNREACHABLE", "DARAJA_BUSY", "INVALID_INTENT", "null"),
                finals.stream().map(e -> e.path("reason").asText()).toList());
        assertEquals("QUERY", finals.get(6).path("source").asText());
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("← outcome ORD-1001 ACCEPTED"), printed);
        assertTrue(printed.contains("← outcome ORD-1001 SUCCEEDED"), printed);
        assertTrue(printed.contains("All 7 sample intents have their final outcome."), printed);
    }

    @Test
    void withEveryCallbackLostTheLocalRunStillEndsEverySampleByQuery() throws Exception {
        List<JsonNode> finals = LocalStack.run(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                StkBridgeInstance.freePort(), true, true);
        assertEquals(List.of("SUCCEEDED", "FAILED", "FAILED", "FAILED", "FAILED", "REJECTED", "SUCCEEDED"),
                finals.stream().map(e -> e.path("status").asText()).toList());
        assertTrue(finals.stream().filter(e -> !e.path("source").asText().matches("VALIDATION|PUSH"))
                .allMatch(e -> e.path("source").asText().equals("QUERY")), finals.toString());
    }
}
