package io.stkbridge.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.testing.StkBridgeInstance;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's local-run command, end to end: its samples reach the outcomes it promises and it prints them. */
class LocalStackTest {

    @Test
    void theLocalRunShowsAcceptedAndFinalOutcomesForItsSamples() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        List<String> consoleChecks = new ArrayList<>();
        List<JsonNode> finals = LocalStack.run(new PrintStream(console, true, StandardCharsets.UTF_8),
                StkBridgeInstance.freePort(), true, false, baseUrl -> consoleChecks.addAll(supportAgentChecks(baseUrl)));

        assertEquals(List.of("SUCCEEDED", "FAILED", "FAILED", "FAILED", "FAILED", "REJECTED", "SUCCEEDED"),
                finals.stream().map(e -> e.path("status").asText()).toList());
        assertEquals(List.of("null", "CANCELLED_BY_USER", "INSUFFICIENT_FUNDS", "CUSTOMER_UNREACHABLE", "DARAJA_BUSY", "INVALID_INTENT", "null"),
                finals.stream().map(e -> e.path("reason").asText()).toList());
        assertEquals("QUERY", finals.get(6).path("source").asText());
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("← outcome ORD-1001 ACCEPTED"), printed);
        assertTrue(printed.contains("← outcome ORD-1001 SUCCEEDED"), printed);
        assertTrue(printed.contains("All 7 sample intents have their final outcome."), printed);
        assertTrue(printed.contains("Support console         : http://"), printed);
        assertTrue(printed.contains("/console/   (user " + LocalStack.CONSOLE_USER), printed);
        String receipt = finals.get(0).path("mpesaReceiptNumber").asText();
        assertTrue(printed.contains("find them by receipt " + receipt), printed);
        assertEquals(List.of("page", "receipt " + receipt, "phone", "order ORD-1001", "query ORD-1007"), consoleChecks);
    }

    /** What the README promises a support agent can do in the local run, done over HTTP with the printed sign-in. */
    private static List<String> supportAgentChecks(String baseUrl) {
        HttpClient http = HttpClient.newHttpClient();
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (LocalStack.CONSOLE_USER + ":" + LocalStack.CONSOLE_PASSWORD).getBytes(StandardCharsets.UTF_8));
        List<String> passed = new ArrayList<>();
        try {
            if (http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/console/")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode() == 200) {
                passed.add("page");
            }
            JsonNode byPhone = get(http, auth, baseUrl + "/api/attempts?size=100&q=" + URLEncoder.encode("0708 374 149", StandardCharsets.UTF_8));
            JsonNode paid = null;
            for (JsonNode attempt : byPhone.path("attempts")) {
                if (attempt.path("orderId").asText().equals("ORD-1001") && paid == null) {
                    paid = attempt;
                }
            }
            String receipt = paid == null ? "" : paid.path("mpesaReceiptNumber").asText();
            if (get(http, auth, baseUrl + "/api/attempts?q=" + receipt).path("attempts").path(0).path("orderId").asText().equals("ORD-1001")) {
                passed.add("receipt " + receipt);
            }
            // every sample but the invalid one (rejected before its phone number was read) is found by phone
            if (byPhone.path("attempts").size() >= LocalStack.SAMPLES.size() - 1) {
                passed.add("phone");
            }
            JsonNode byOrder = get(http, auth, baseUrl + "/api/attempts?orderId=ORD-1001");
            if (byOrder.path("attempts").size() >= 1) {
                passed.add("order ORD-1001");
            }
            String lost = get(http, auth, baseUrl + "/api/attempts?orderId=ORD-1007").path("attempts").path(0).path("attemptId").asText();
            HttpResponse<String> query = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/attempts/" + lost + "/query"))
                    .header("Authorization", auth).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (query.statusCode() == 200 && query.body().contains("\"status\":\"SUCCEEDED\"")) {
                passed.add("query ORD-1007");
            }
        } catch (Exception e) {
            passed.add("failed: " + e);
        }
        return passed;
    }

    private static JsonNode get(HttpClient http, String auth, String url) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(answer.body());
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
