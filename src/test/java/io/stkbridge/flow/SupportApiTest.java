package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The support API over real HTTP, on attempts made by the real flow: search, timeline, summary, forced query, access. */
class SupportApiTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> OPERATOR = TestStack.basic(TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD);
    static final Map<String, String> READER = TestStack.basic(TestStack.READER_USER, TestStack.CONSOLE_PASSWORD);

    static TestStack stack;
    static CapturedLogs logs;
    static String paid;
    static String cancelled;
    static String lostCallback;
    static String invalid;

    @BeforeAll
    static void payThroughTheRealFlow() {
        logs = CapturedLogs.install();
        // several wrong sign-ins in a row on purpose (closedWithoutAValidCredentialAndSaysNothingElse): not throttled here
        stack = TestStack.start(Map.of("stk.api.signin-max-failures", "0"));
        paid = stack.pay(100);
        cancelled = stack.pay(1032);
        lostCallback = stack.pay(7000);
        invalid = stack.pay(0);
        for (String intent : List.of(paid, cancelled, invalid)) {
            stack.outcomes.awaitFinal(intent, BOUND);
        }
        await(BOUND, "the lost-callback attempt accepted", () -> !stack.outcomes.eventsOf(lostCallback).isEmpty());
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        logs.close();
    }

    @Test
    void findsAPaymentByEachOfItsKeys() throws Exception {
        JsonNode outcome = stack.outcomes.awaitFinal(paid, BOUND);
        String receipt = outcome.path("mpesaReceiptNumber").asText();
        String orderId = outcome.path("orderId").asText();
        String checkout = outcome.path("checkoutRequestId").asText();
        String attemptId = outcome.path("attemptId").asText();
        for (String query : List.of("q=" + receipt, "q=" + receipt.toLowerCase(), "receipt=" + receipt, "q=" + orderId,
                "orderId=" + orderId, "q=" + paid, "intentId=" + paid, "q=" + checkout, "checkoutRequestId=" + checkout,
                "q=" + attemptId)) {
            JsonNode found = search(query, OPERATOR);
            assertEquals(1, found.path("attempts").size(), query);
            JsonNode attempt = found.path("attempts").get(0);
            assertEquals(paid, attempt.path("intentId").asText(), query);
            assertEquals("SUCCEEDED", attempt.path("status").asText());
            assertEquals(100, attempt.path("amount").asInt());
            assertEquals("KES", attempt.path("currency").asText());
            assertEquals("2547*****149", attempt.path("phoneNumberMasked").asText());
            assertTrue(attempt.path("createdAt").asText().endsWith("+03:00"), "times in EAT");
        }
    }

    @Test
    void findsByPhoneInAnyAcceptedSpellingNewestFirstAndPaged() throws Exception {
        List<String> mine = List.of(paid, cancelled, lostCallback);
        for (String phone : List.of("0708 374 149", "+254708374149", "254708374149", "708374149", "0708-374-149")) {
            JsonNode found = search("phone=" + phone + "&size=100", READER);
            List<String> intents = intents(found);
            assertTrue(intents.containsAll(mine), phone + " finds every attempt of that phone: " + intents);
            JsonNode byKey = search("q=" + phone + "&size=100", READER);
            assertTrue(intents(byKey).containsAll(mine), "the search box understands phone numbers too");
        }
        JsonNode all = search("phone=0708374149&size=100", READER);
        List<String> created = new ArrayList<>();
        all.path("attempts").forEach(a -> created.add(a.path("createdAt").asText()));
        List<String> newestFirst = new ArrayList<>(created);
        newestFirst.sort(java.util.Comparator.reverseOrder());
        assertEquals(newestFirst, created, "newest first");

        JsonNode first = search("phone=0708374149&size=1", READER);
        assertEquals(1, first.path("attempts").size());
        assertTrue(first.path("more").asBoolean());
        JsonNode second = search("phone=0708374149&size=1&page=1", READER);
        assertFalse(intents(first).equals(intents(second)), "page 1 is another attempt");
        assertEquals(intents(all).subList(0, 2), Stream.concat(intents(first).stream(), intents(second).stream()).toList());
    }

    @Test
    void filtersByStatusAndTime() throws Exception {
        JsonNode failed = search("phone=0708374149&status=FAILED&size=100", READER);
        assertTrue(intents(failed).contains(cancelled));
        failed.path("attempts").forEach(a -> assertEquals("FAILED", a.path("status").asText()));
        assertTrue(intents(search("status=failed,rejected&size=100", READER)).containsAll(List.of(cancelled, invalid)));

        LocalDate today = LocalDate.now(ZoneId.of("Africa/Nairobi"));
        assertTrue(intents(search("q=" + paid + "&from=" + today + "&to=" + today, READER)).contains(paid), "today, EAT");
        assertEquals(0, search("q=" + paid + "&to=" + today.minusDays(1), READER).path("attempts").size());
        String since = URLEncoder.encode(java.time.OffsetDateTime.now().plusMinutes(5).toString(), StandardCharsets.UTF_8);
        assertEquals(0, search("q=" + paid + "&from=" + since, READER).path("attempts").size());
    }

    @Test
    void showsAnAttemptsWholeTimelineWithoutSecrets() throws Exception {
        JsonNode outcome = stack.outcomes.awaitFinal(paid, BOUND);
        // both outcome events (ACCEPTED, SUCCEEDED) in the timeline, and each marked published
        await(BOUND, "the outcome marked published", () -> {
            List<JsonNode> outcomeEvents = timeline(unchecked("/api/attempts/" + outcome.path("attemptId").asText()))
                    .stream().filter(e -> e.path("kind").asText().equals("OUTCOME_EVENT")).toList();
            return outcomeEvents.size() == 2 && outcomeEvents.stream().allMatch(e -> !e.path("publishedAt").isNull());
        });
        for (String id : List.of(outcome.path("attemptId").asText(), outcome.path("checkoutRequestId").asText())) {
            JsonNode attempt = get("/api/attempts/" + id, READER);
            assertEquals(paid, attempt.path("intentId").asText());
            List<String> kinds = timeline(attempt).stream().map(e -> e.path("kind").asText()).toList();
            assertEquals(List.of("INTENT_RECEIVED", "PUSH_REQUEST", "PUSH_ACCEPTED", "OUTCOME_EVENT", "CALLBACK", "OUTCOME_EVENT"),
                    kinds, "in the order it happened");
            JsonNode accepted = timeline(attempt).get(2);
            assertEquals(200, accepted.path("httpStatus").asInt(), "Daraja's answer as it came: " + accepted);
            assertEquals(outcome.path("checkoutRequestId").asText(), accepted.path("detail").path("CheckoutRequestID").asText());
            assertFalse(accepted.path("detail").path("CustomerMessage").asText().isEmpty(), "the raw answer, not only its ids");
            JsonNode push = timeline(attempt).get(1).path("detail");
            assertEquals("174379", push.path("BusinessShortCode").asText());
            assertTrue(push.path("Password").isMissingNode(), "no password in the stored push request");
            assertTrue(push.path("CallBackURL").asText().endsWith("{token}"), "no callback token: " + push.path("CallBackURL"));
            JsonNode callback = timeline(attempt).stream().filter(e -> e.path("kind").asText().equals("CALLBACK")).findFirst().orElseThrow();
            assertEquals(0, callback.path("detail").path("Body").path("stkCallback").path("ResultCode").asInt(), "raw callback");
            assertEquals("APPLIED", callback.path("disposition").asText());
            JsonNode event = timeline(attempt).get(5);
            assertEquals("SUCCEEDED", event.path("detail").path("status").asText());
            assertFalse(event.path("eventId").asText().isEmpty());
        }
        String body = getRaw("/api/attempts/" + outcome.path("attemptId").asText(), READER).body();
        assertFalse(body.contains(TestStack.PASSKEY), "no passkey");
        assertFalse(body.contains(TestStack.CALLBACK_SECRET));
        assertEquals(404, getRaw("/api/attempts/no-such-attempt", READER).statusCode());
    }

    @Test
    void aRefusedPushShowsDarajasAnswerAsItCame() throws Exception {
        String refused = stack.pay(4002);
        JsonNode outcome = stack.outcomes.awaitFinal(refused, BOUND);
        assertEquals("REJECTED", outcome.path("status").asText());
        JsonNode answer = timeline(get("/api/attempts/" + outcome.path("attemptId").asText(), READER)).stream()
                .filter(e -> e.path("kind").asText().equals("PUSH_ANSWER")).findFirst().orElseThrow();
        assertEquals(400, answer.path("httpStatus").asInt(), answer.toString());
        assertTrue(answer.path("detail").path("answer").path("errorCode").asText().startsWith("400.002"), answer.toString());
        assertEquals(answer.path("detail").path("resultCode").asText(), answer.path("detail").path("answer").path("errorCode").asText());
    }

    @Test
    void anOperatorForcesAQueryAndSeesTheNewStateAReaderMayNot() throws Exception {
        String attemptId = stack.outcomes.eventsOf(lostCallback).get(0).path("attemptId").asText();
        String path = "/api/attempts/" + attemptId + "/query";
        HttpResponse<String> refused = stack.post(path, "", READER);
        assertEquals(403, refused.statusCode());
        assertEquals(403, stack.post(path, "", Map.of("X-Api-Key", TestStack.READER_KEY)).statusCode());
        await(BOUND, "the forced query to find the payment", () -> {
            try {
                HttpResponse<String> answer = stack.post(path, "", OPERATOR);
                assertEquals(200, answer.statusCode(), answer.body());
                return JSON.readTree(answer.body()).path("status").asText().equals("SUCCEEDED");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        JsonNode after = get("/api/attempts/" + attemptId, READER);
        List<JsonNode> queries = timeline(after).stream().filter(e -> e.path("kind").asText().equals("QUERY")).toList();
        assertFalse(queries.isEmpty());
        assertEquals("HTTP", queries.get(0).path("trigger").asText());
        assertEquals("0", queries.get(queries.size() - 1).path("detail").path("ResultCode").asText(), "raw query answer");
        assertEquals("QUERY", stack.outcomes.awaitFinal(lostCallback, BOUND).path("source").asText());
        assertFalse(logs.linesContaining("forced by " + TestStack.OPERATOR_USER).isEmpty(), "who forced the query is logged");

        String rejected = stack.outcomes.awaitFinal(invalid, BOUND).path("attemptId").asText();
        HttpResponse<String> nothingToQuery = stack.post("/api/attempts/" + rejected + "/query", "", OPERATOR);
        assertEquals(409, nothingToQuery.statusCode());
        assertTrue(nothingToQuery.body().contains("never accepted by Daraja"));
    }

    @Test
    void summarizesByStatusAndReason() throws Exception {
        JsonNode summary = get("/api/summary", READER);
        assertTrue(summary.path("total").asLong() >= 4);
        assertTrue(summary.path("byStatus").path("SUCCEEDED").asLong() >= 1);
        assertTrue(summary.path("byStatus").path("REJECTED").asLong() >= 1);
        boolean cancelledCounted = false;
        for (JsonNode row : summary.path("byReason")) {
            cancelledCounted |= row.path("status").asText().equals("FAILED") && row.path("count").asLong() >= 1;
        }
        assertTrue(cancelledCounted);
        assertEquals(30, summary.path("waitingBeyondSweep").path("olderThanSeconds").asLong(), "the first sweep delay");
        JsonNode backlog = summary.path("queryBacklog");
        assertEquals((long) Math.ceil(backlog.path("attempts").asLong() / 5.0), backlog.path("drainSeconds").asLong(),
                "due queries at 5 per second: " + backlog);
        long outcomes = 0;
        for (JsonNode hour : summary.path("outcomesByHour")) {
            assertTrue(hour.path("hour").asText().endsWith(":00:00.000+03:00"), hour.toString());
            outcomes += hour.path("SUCCEEDED").asLong() + hour.path("FAILED").asLong() + hour.path("REJECTED").asLong();
        }
        assertTrue(outcomes >= 3, summary.toString());
        assertEquals(0, get("/api/summary?from=2020-01-01&to=2020-01-02", READER).path("total").asLong());
        assertEquals(400, getRaw("/api/summary?from=2020-01-01&to=2020-06-01", READER).statusCode(), "at most 31 days");
    }

    @Test
    void closedWithoutAValidCredentialAndSaysNothingElse() throws Exception {
        for (Map<String, String> wrong : List.of(Map.<String, String>of(), TestStack.basic(TestStack.OPERATOR_USER, "guess"),
                TestStack.basic("nobody", TestStack.CONSOLE_PASSWORD), Map.of("Authorization", "Basic !!!"),
                Map.of("Authorization", "Bearer x"), Map.of("X-Api-Key", "guess"))) {
            for (String path : List.of("/api/attempts?q=x", "/api/attempts/x", "/api/summary", "/api/me")) {
                HttpResponse<String> answer = getRaw(path, wrong);
                assertEquals(401, answer.statusCode(), path + " " + wrong.keySet());
                assertEquals("{\"error\":\"unauthorized\"}", answer.body());
                assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
            }
        }
        HttpResponse<String> fromConsole = getRaw("/api/me", Map.of("X-Requested-With", "stk-console"));
        assertEquals(401, fromConsole.statusCode());
        assertTrue(fromConsole.headers().firstValue("WWW-Authenticate").isEmpty(), "the console asks for credentials itself");

        HttpResponse<String> me = getRaw("/api/me", OPERATOR);
        assertEquals("OPERATOR", JSON.readTree(me.body()).path("role").asText());
        assertTrue(me.headers().firstValue("Authorization").isEmpty(), "request headers are not echoed");
        assertEquals("READER", get("/api/me", Map.of("X-Api-Key", TestStack.READER_KEY)).path("role").asText());
        assertEquals("OPERATOR", get("/api/me", Map.of("X-Api-Key", TestStack.OPERATOR_KEY)).path("role").asText());
        assertTrue(logs.linesContaining(TestStack.CONSOLE_PASSWORD).isEmpty(), "no password in the logs");
        assertTrue(logs.linesContaining(TestStack.READER_KEY).isEmpty(), "no key in the logs");
    }

    @Test
    void badParametersGetAClearError() throws Exception {
        Map<String, String> expected = Map.of(
                "/api/attempts?phone=12345", "phone is not a Kenyan mobile number",
                "/api/attempts?status=PAID", "status must be one or more of",
                "/api/attempts?size=1000", "size must be between 1 and 100",
                "/api/attempts?page=-1", "page must be between",
                "/api/attempts?page=x", "page must be a whole number",
                "/api/attempts?from=yesterday", "from must be a date",
                "/api/attempts?q=" + "x".repeat(200), "q is longer than 128",
                "/api/summary?from=2026-02-01&to=2026-01-01", "from must be before to");
        for (Map.Entry<String, String> bad : expected.entrySet()) {
            HttpResponse<String> answer = getRaw(bad.getKey(), READER);
            assertEquals(400, answer.statusCode(), bad.getKey());
            assertTrue(JSON.readTree(answer.body()).path("error").asText().startsWith(bad.getValue()), answer.body());
        }
        JsonNode injection = search("q=" + URLEncoder.encode("' OR 1=1 --", StandardCharsets.UTF_8), READER);
        assertEquals(0, injection.path("attempts").size());
    }

    @Test
    void theOpenApiDescriptionCoversEveryApiRoute() throws Exception {
        HttpResponse<String> answer = getRaw("/api/openapi.json", Map.of());
        assertEquals(200, answer.statusCode());
        JsonNode openApi = JSON.readTree(answer.body());
        assertTrue(openApi.path("openapi").asText().startsWith("3."));
        Set<String> described = new HashSet<>();
        openApi.path("paths").fieldNames().forEachRemaining(described::add);
        Set<String> served = new HashSet<>();
        Pattern api = Pattern.compile("uri: platform-http-api:(/api/[^\\s]*)");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Matcher m = api.matcher(Files.readString(file));
                while (m.find()) {
                    served.add(m.group(1));
                }
            }
        }
        assertTrue(served.size() >= 6, served.toString());
        assertEquals(served, described);
    }

    @Test
    void theConsolePageIsServedWithoutDataAndNothingElseIs() throws Exception {
        HttpResponse<String> page = getRaw("/console/", Map.of());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Find a payment"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
        assertEquals(200, getRaw("/console/console.js", Map.of()).statusCode());
        assertEquals(302, getRaw("/console", Map.of()).statusCode());
        for (String path : List.of("/console/../pom.xml", "/console/%2e%2e/pom.xml", "/console/application.properties",
                "/console/..%2fapplication.properties", "/console/routes/intake.camel.yaml")) {
            HttpResponse<String> answer = getRaw(path, Map.of());
            assertEquals(404, answer.statusCode(), path);
            assertFalse(answer.body().contains("kafka"), path);
        }
    }

    private static List<String> intents(JsonNode page) {
        List<String> intents = new ArrayList<>();
        page.path("attempts").forEach(a -> intents.add(a.path("intentId").asText()));
        return intents;
    }

    private static List<JsonNode> timeline(JsonNode attempt) {
        List<JsonNode> entries = new ArrayList<>();
        attempt.path("timeline").forEach(entries::add);
        return entries;
    }

    private static JsonNode search(String query, Map<String, String> credential) throws Exception {
        String[] parts = query.split("&");
        StringBuilder encoded = new StringBuilder();
        for (String part : parts) {
            int eq = part.indexOf('=');
            String value = part.substring(eq + 1);
            encoded.append(encoded.length() == 0 ? "" : "&").append(part, 0, eq + 1)
                    .append(value.contains("%") ? value : URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        return get("/api/attempts?" + encoded, credential);
    }

    private static JsonNode unchecked(String path) {
        try {
            return get(path, READER);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode get(String path, Map<String, String> credential) throws Exception {
        HttpResponse<String> answer = getRaw(path, credential);
        assertEquals(200, answer.statusCode(), path + " → " + answer.body());
        return JSON.readTree(answer.body());
    }

    private static HttpResponse<String> getRaw(String path, Map<String, String> credential) throws Exception {
        return stack.get(path, credential);
    }
}
