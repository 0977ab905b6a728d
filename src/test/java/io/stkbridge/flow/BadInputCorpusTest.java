package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.testing.StackLedger;
import io.stkbridge.testing.TestStack;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus of bad input ({@code src/test/resources/corpus/bad-intents.tsv}) on every entry point: each record gets
 * its documented answer, nothing is lost, the ledger keeps working. On H2 here, on PostgreSQL in
 * {@link BadInputCorpusPostgresTest} (PostgreSQL text cannot hold NUL, H2's can).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputCorpusTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    TestStack stack;
    StackLedger ledger;

    /** The ledger to run on: the default embedded one (H2) here; see {@link BadInputCorpusPostgresTest}. */
    StackLedger ledger() {
        return StackLedger.embedded();
    }

    @BeforeAll
    void start() {
        ledger = ledger();
        Map<String, String> properties = new HashMap<>(ledger.properties());
        properties.put("camel.server.max-body-size", "16384");
        stack = TestStack.start(properties);
    }

    @AfterAll
    void stop() throws Exception {
        ledger.closeAfter(stack);
    }

    private record Case(String expected, String what, String key, String intentId, String record) {
    }

    private static List<Case> corpus() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        List<Case> cases = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(Path.of("src/test/resources/corpus/bad-intents.tsv"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] columns = line.split("\t", 3);
            String intentId = "corpus-" + n;
            String record = mapper.readValue(columns[2], String.class).replace("\"intentId\": \"ID\"", "\"intentId\": \"" + intentId + "\"");
            JsonNode parsed = null;
            try {
                parsed = mapper.readTree(record);
            } catch (Exception notJson) {
                // stays null: the record is not JSON on purpose
            }
            if (parsed != null && parsed.path("intentId").isTextual()) {
                intentId = parsed.get("intentId").asText();
            }
            cases.add(new Case(columns[0], columns[1], "corpus-key-" + n, intentId, record));
            n++;
        }
        return cases;
    }

    @Test
    void everyBadIntentGetsItsDocumentedAnswerAndNothingIsLost() throws Exception {
        List<Case> cases = corpus();
        assertTrue(cases.size() >= 30);
        cases.forEach(c -> stack.intents.publish(c.key(), c.record()));
        for (Case c : cases) {
            String[] expected = c.expected().split(":");
            if (expected[0].equals("OK")) {
                assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(c.intentId(), BOUND).path("status").asText(), c.what());
                continue;
            }
            ConsumerRecord<String, String> dead = stack.deadLetters.awaitRecords(r -> c.key().equals(r.key()), 1, BOUND).get(0);
            assertEquals(expected[1], header(dead, "stk_error_reason"), c.what());
            assertFalse(header(dead, "stk_error_message").isEmpty(), c.what());
            assertEquals(c.record(), dead.value(), c.what() + ": the DLQ keeps the record as it came");
            if (expected[0].equals("REJECTED")) {
                JsonNode rejected = stack.outcomes.awaitFinal(c.intentId(), BOUND);
                assertEquals("REJECTED", rejected.path("status").asText(), c.what());
                assertEquals(expected[1], rejected.path("reason").asText(), c.what());
            }
        }
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(stack.pay(100), BOUND).path("status").asText(),
                "the ledger still works after the corpus");
    }

    @Test
    void theCallbackEndpointAnswersBadRequestsShortlyAndChangesNothing() throws Exception {
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(7000);
        await(BOUND, "ACCEPTED", () -> !stack.outcomes.eventsOf(intentId).isEmpty());
        String path = stack.callbackPath(stack.outcomes.eventsOf(intentId).get(0).path("attemptId").asText());
        List<String> bodies = List.of("", "{", "[]", "null", "{\"Body\":{\"stkCallback\":{\"ResultCode\":{\"x\":1},\"CheckoutRequestID\":\"a\"}}}",
                "{\"Body\":{\"stkCallback\":{\"ResultCode\":0}}}", "<xml/>", "\u0000");
        for (String body : bodies) {
            HttpResponse<String> answer = stack.post(path, body, Map.of());
            assertEquals(400, answer.statusCode(), body);
            assertFalse(answer.body().contains("Exception") || answer.body().contains("at io."), answer.body());
        }
        HttpResponse<String> huge = stack.post(path, "{\"pad\":\"" + "x".repeat(20000) + "\"}", Map.of());
        assertEquals(413, huge.statusCode());
        assertEquals(403, stack.post("/callbacks/stk/%27%20OR%201%3D1%20--/x", "{}", Map.of()).statusCode());
        stack.daraja.dropCallbacks(false);
        // a later intent's outcome on Kafka: the relay has made a pass since, so an event the bad requests caused is there
        stack.outcomes.awaitFinal(stack.pay(100), BOUND);
        assertEquals(List.of("ACCEPTED"), stack.outcomes.eventsOf(intentId).stream().map(e -> e.path("status").asText()).toList(),
                "nothing changed the attempt");
        assertEquals(List.of(List.of("ACCEPTED", "0")), stack.ledgerRows("SELECT a.status, (SELECT COUNT(*) FROM stk_callback c "
                + "WHERE c.attempt_id = a.attempt_id) FROM stk_attempt a WHERE a.intent_id = '" + intentId + "'"),
                "the attempt still waits and no bad callback was stored");
    }

    @Test
    void theOperatorApiAnswersBadRequestsShortly() throws Exception {
        Map<String, String> key = Map.of("X-Api-Key", TestStack.OPERATOR_KEY);
        assertEquals(404, stack.post("/api/attempts/%27%20OR%201%3D1%20--/query", "", key).statusCode());
        assertEquals(404, stack.post("/api/attempts/" + "w".repeat(500) + "/query", "", key).statusCode());
        assertEquals(401, stack.post("/api/attempts/x/query", "", Map.of("X-Api-Key", "\u00e9\u00e9")).statusCode());
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
