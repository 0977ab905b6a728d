package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.kafka.OutcomeRecords;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.TestStack;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static io.stkbridge.testing.OutcomeCollector.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /api/asyncapi.json against what the running bridge really does: its channels are the topics of the Kafka endpoints
 * its routes consume and produce, its payload schemas are the ones the code validates with, and real outcome and
 * dead-letter records carry exactly the headers it describes, with values and keys that match.
 */
class AsyncApiContractTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    static TestStack stack;
    static JsonNode asyncApi;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(Map.of("stk.topic.query-requests", "payments.stk.query-commands"));
        HttpResponse<String> answer = stack.get("/api/asyncapi.json", Map.of());
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        asyncApi = JSON.readTree(answer.body());
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void theChannelsAreTheTopicsTheRoutesConsumeAndProduce() {
        assertEquals("3.0.0", asyncApi.path("asyncapi").asText());
        Set<String> consumed = new TreeSet<>();
        Set<String> kafkaTopics = new TreeSet<>();
        for (Route route : stack.app.context().getRoutes()) {
            if (route.getEndpoint() instanceof KafkaEndpoint kafka) {
                consumed.add(kafka.getConfiguration().getTopic());
            }
        }
        for (Endpoint endpoint : stack.app.context().getEndpoints()) {
            if (endpoint instanceof KafkaEndpoint kafka) {
                kafkaTopics.add(kafka.getConfiguration().getTopic());
            }
        }
        Set<String> produced = new TreeSet<>(kafkaTopics);
        produced.removeAll(consumed);

        assertEquals(kafkaTopics, addresses(null), "every topic the routes use is a channel, and only those");
        assertEquals(consumed, addresses("receive"));
        assertEquals(produced, addresses("send"));
        assertTrue(kafkaTopics.contains("payments.stk.query-commands"), "the addresses are this instance's topic names");
    }

    @Test
    void thePayloadsReferToTheSchemasTheCodeUses() throws Exception {
        assertEquals(resource(IntentReader.SCHEMA.substring("classpath:".length())), payloadSchema("paymentIntent"));
        assertEquals(resource(OutcomeRecords.SCHEMA), payloadSchema("outcomeEvent"));
    }

    @Test
    void outcomeRecordsCarryTheDescribedHeadersKeyAndPayload() throws Exception {
        String intentId = stack.pay(100);
        stack.outcomes.awaitFinal(intentId, BOUND);
        JsonNode message = message("outcomeEvent");
        JsonSchema headers = SCHEMAS.getSchema(message.path("headers"));
        JsonSchema payload = SCHEMAS.getSchema(payloadSchema("outcomeEvent"));

        List<ConsumerRecord<String, String>> records = stack.outcomes.records().stream()
                .filter(r -> r.value().contains(intentId)).toList();
        assertEquals(2, records.size());
        for (ConsumerRecord<String, String> record : records) {
            assertEquals(Set.of(), headers.validate(headersOf(record)), record.toString());
            assertEquals(Set.of(), payload.validate(JSON.readTree(record.value())), record.value());
            assertEquals(JSON.readTree(record.value()).path("orderId").asText(), record.key(), "keyed by orderId");
            assertEquals(OutcomeRecords.schemaId(), header(record, "ce_dataschema"));
        }
    }

    @Test
    void deadLettersCarryTheDescribedHeadersAndKeepTheTraceContext() throws Exception {
        String marker = "not json " + UUID.randomUUID();
        stack.intents.publish("key-" + marker.hashCode(), marker, Map.of("traceparent", TRACEPARENT));
        String command = "{\"orderId\":\"" + UUID.randomUUID() + "\"}";
        JsonNode commandSchema = message("queryRequest").path("payload").path("schema");
        assertFalse(SCHEMAS.getSchema(commandSchema).validate(JSON.readTree(command)).isEmpty(),
                "the described command schema refuses what the bridge dead-letters");
        try (IntentPublisher commands = new IntentPublisher(stack.kafka.bootstrapServers(), address("queryRequests"))) {
            commands.publish("k", command);
        }

        ConsumerRecord<String, String> intent = stack.deadLetters.awaitRecords(r -> marker.equals(r.value()), 1, BOUND).get(0);
        ConsumerRecord<String, String> query = stack.deadLetters.awaitRecords(r -> command.equals(r.value()), 1, BOUND).get(0);
        JsonSchema headers = SCHEMAS.getSchema(message("deadLetter").path("headers"));
        Set<String> described = new HashSet<>();
        message("deadLetter").path("headers").path("properties").fieldNames().forEachRemaining(described::add);
        for (ConsumerRecord<String, String> record : List.of(intent, query)) {
            ObjectNode actual = headersOf(record);
            assertEquals(Set.of(), headers.validate(actual), actual.toString());
            Set<String> names = new TreeSet<>();
            actual.fieldNames().forEachRemaining(names::add);
            assertTrue(described.containsAll(names), "undescribed headers: " + names + ", described " + described);
        }
        assertEquals(TRACEPARENT, header(intent, "traceparent"));
        assertEquals("key-" + marker.hashCode(), intent.key());
        assertEquals(address("intents"), header(intent, "stk_source_topic"));
        assertEquals(address("queryRequests"), header(query, "stk_source_topic"));
        assertEquals("INVALID_QUERY_REQUEST", header(query, "stk_error_reason"));
    }

    /** The channels' addresses; with an action, only those of the channels of such operations. */
    private static Set<String> addresses(String action) {
        Set<String> addresses = new TreeSet<>();
        asyncApi.path("operations").forEach(operation -> {
            if (action == null || action.equals(operation.path("action").asText())) {
                addresses.add(channel(operation.path("channel").path("$ref").asText()).path("address").asText());
            }
        });
        if (action == null) {
            asyncApi.path("channels").forEach(channel -> addresses.add(channel.path("address").asText()));
        }
        return addresses;
    }

    private static String address(String channel) {
        return asyncApi.path("channels").path(channel).path("address").asText();
    }

    private static JsonNode channel(String ref) {
        return asyncApi.at(ref.substring(1));
    }

    private static JsonNode message(String name) {
        JsonNode message = asyncApi.path("components").path("messages").path(name);
        assertFalse(message.isMissingNode(), name);
        return message;
    }

    /** A message's payload schema, fetched from the bridge as a tool would: its $ref, relative to the document. */
    private static JsonNode payloadSchema(String messageName) throws Exception {
        String ref = message(messageName).path("payload").path("schema").path("$ref").asText();
        assertFalse(ref.isEmpty(), messageName + " refers to no schema");
        String path = URI.create("/api/asyncapi.json").resolve(ref).getPath();
        HttpResponse<String> answer = stack.get(path, Map.of());
        assertEquals(200, answer.statusCode(), path);
        return JSON.readTree(answer.body());
    }

    private static JsonNode resource(String path) throws Exception {
        try (InputStream in = AsyncApiContractTest.class.getClassLoader().getResourceAsStream(path)) {
            assertNotNull(in, path);
            return JSON.readTree(in);
        }
    }

    /** A record's headers as the JSON object the AsyncAPI document's header schemas describe. */
    static ObjectNode headersOf(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return JSON.valueToTree(headers);
    }
}
