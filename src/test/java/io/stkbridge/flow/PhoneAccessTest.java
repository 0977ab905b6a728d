package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.testing.StackLedger;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PII by need over real HTTP (issue 14, item 6): the API shows phone numbers masked everywhere, raw documents included;
 * an operator's explicit reveal and a search by phone number are recorded in the ledger and shown in the attempt's
 * timeline; a reader cannot reveal, and a refused reveal records nothing. On the embedded ledger; see
 * {@link PhoneAccessPostgresTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PhoneAccessTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> OPERATOR = TestStack.basic(TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD);
    static final Map<String, String> READER = TestStack.basic(TestStack.READER_USER, TestStack.CONSOLE_PASSWORD);
    /** The test phone 254708374149 in any spelling: 708374149 with or without separators. */
    static final Pattern FULL_NUMBER = Pattern.compile("708\\D{0,2}374\\D{0,2}149");
    static final String MASKED = "2547*****149";

    StackLedger ledger;
    TestStack stack;
    JsonNode paid;
    JsonNode cancelled;
    /** Failed by a callback whose ResultDesc names the customer's number (text, not a phone field). */
    JsonNode numberInText;

    StackLedger ledger() {
        return StackLedger.embedded();
    }

    @BeforeAll
    void payThroughTheRealFlow() throws Exception {
        ledger = ledger();
        stack = TestStack.start(ledger.properties());
        String paidIntent = stack.pay(100);
        String cancelledIntent = stack.pay(1032);
        String lostCallbackIntent = stack.pay(7000);
        String checkout = stack.checkoutOf(lostCallbackIntent, BOUND);
        String attemptId = stack.outcomes.eventsOf(lostCallbackIntent).get(0).path("attemptId").asText();
        stack.post(stack.callbackPath(attemptId), """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":1032,
                 "ResultDesc":"Request cancelled by user +254 708 374 149"}}}""".formatted(checkout), Map.of());
        numberInText = stack.outcomes.awaitFinal(lostCallbackIntent, BOUND);
        paid = stack.outcomes.awaitFinal(paidIntent, BOUND);
        cancelled = stack.outcomes.awaitFinal(cancelledIntent, BOUND);
    }

    @AfterAll
    void stop() throws Exception {
        ledger.closeAfter(stack);
    }

    @Test
    void aReaderSeesOnlyMaskedNumbersInEveryAnswerRawDocumentsIncluded() throws Exception {
        String attemptId = paid.path("attemptId").asText();
        List<String> bodies = new ArrayList<>();
        for (String path : List.of("/api/attempts?q=" + paid.path("mpesaReceiptNumber").asText(),
                "/api/attempts?phone=0708374149&size=100", "/api/attempts?q=%2B254708374149", "/api/attempts/" + attemptId,
                "/api/attempts/" + paid.path("checkoutRequestId").asText(), "/api/summary", "/api/me")) {
            bodies.add(ok(stack.get(path, READER)));
        }
        bodies.add(ok(stack.post("/api/attempts/" + attemptId + "/query", "", OPERATOR)));
        bodies.add(ok(stack.get("/api/attempts/" + numberInText.path("attemptId").asText(), READER)));
        for (String body : bodies) {
            assertFalse(FULL_NUMBER.matcher(body).find(), "no full phone number: " + body);
            assertNoSecrets(body);
        }

        JsonNode attempt = JSON.readTree(ok(stack.get("/api/attempts/" + attemptId, READER)));
        assertEquals(MASKED, attempt.path("phoneNumberMasked").asText());
        assertTrue(attempt.path("phoneNumber").isMissingNode(), "the full number is only given by a reveal");
        JsonNode intent = entry(attempt, "INTENT_RECEIVED").path("detail");
        assertEquals(MASKED, intent.path("phoneNumber").asText(), "the intent as received, number masked");
        JsonNode push = entry(attempt, "PUSH_REQUEST").path("detail");
        assertEquals(MASKED, push.path("PartyA").asText());
        assertEquals(MASKED, push.path("PhoneNumber").asText());
        JsonNode callback = entry(attempt, "CALLBACK").path("detail");
        assertTrue(callback.toString().contains("\"Name\":\"PhoneNumber\",\"Value\":\"" + MASKED + "\""),
                "the callback's CallbackMetadata PhoneNumber masked: " + callback);
        assertTrue(callback.toString().contains(paid.path("mpesaReceiptNumber").asText()), "the rest of the callback as received");
        assertEquals(MASKED, entry(attempt, "OUTCOME_EVENT").path("detail").path("phoneNumber").asText());
        JsonNode failed = JSON.readTree(ok(stack.get("/api/attempts/" + numberInText.path("attemptId").asText(), READER)));
        assertEquals("FAILED", failed.path("status").asText());
        assertEquals("Request cancelled by user " + MASKED, failed.path("resultDesc").asText(), "a number in a text masked");
        assertEquals("Request cancelled by user " + MASKED,
                entry(failed, "CALLBACK").path("detail").path("Body").path("stkCallback").path("ResultDesc").asText());
    }

    @Test
    void anOperatorRevealsTheNumberAndEveryReaderSeesWhoAndWhen() throws Exception {
        String attemptId = paid.path("attemptId").asText();
        JsonNode revealed = JSON.readTree(ok(stack.post("/api/attempts/" + attemptId + "/reveal", "", OPERATOR)));
        assertEquals("254708374149", revealed.path("phoneNumber").asText());
        assertEquals(attemptId, revealed.path("attemptId").asText());
        assertEquals(TestStack.OPERATOR_USER, revealed.path("revealedTo").asText());
        assertTrue(revealed.path("revealedAt").asText().endsWith("+03:00"), "when, in EAT");
        assertNoSecrets(revealed.toString());
        JsonNode byKey = JSON.readTree(ok(stack.post("/api/attempts/" + paid.path("checkoutRequestId").asText() + "/reveal", "",
                Map.of("X-Api-Key", TestStack.OPERATOR_KEY))));
        assertEquals("254708374149", byKey.path("phoneNumber").asText(), "by CheckoutRequestID, with the operator key");

        JsonNode attempt = JSON.readTree(ok(stack.get("/api/attempts/" + attemptId, READER)));
        List<JsonNode> reveals = entries(attempt, "PHONE_REVEALED");
        assertEquals(List.of(TestStack.OPERATOR_USER, "operator-api-key"), reveals.stream().map(e -> e.path("by").asText()).toList());
        assertEquals(revealed.path("revealedAt").asText(), reveals.get(0).path("at").asText(), "when");
        assertTrue(reveals.get(0).path("title").asText().contains(TestStack.OPERATOR_USER), reveals.get(0).toString());
        assertFalse(FULL_NUMBER.matcher(attempt.toString()).find(), "the timeline records the reveal, not the number");
        assertEquals(List.of(List.of(TestStack.OPERATOR_USER, MASKED), List.of("operator-api-key", MASKED)), stack.ledgerRows(
                "SELECT accessed_by, phone_masked FROM stk_phone_access WHERE kind = 'REVEAL' AND attempt_id = '"
                        + attemptId + "' ORDER BY access_id"), "durably in the ledger");
        assertEquals(404, stack.post("/api/attempts/no-such-attempt/reveal", "", OPERATOR).statusCode());
    }

    @Test
    void whoMayNotRevealGetsNothingAndNothingIsRecorded() throws Exception {
        String attemptId = cancelled.path("attemptId").asText();
        String path = "/api/attempts/" + attemptId + "/reveal";
        for (Map<String, String> refused : List.of(READER, Map.of("X-Api-Key", TestStack.READER_KEY))) {
            HttpResponse<String> answer = stack.post(path, "", refused);
            assertEquals(403, answer.statusCode(), answer.body());
            assertFalse(FULL_NUMBER.matcher(answer.body()).find(), answer.body());
        }
        for (Map<String, String> unknown : List.of(Map.<String, String>of(), TestStack.basic(TestStack.OPERATOR_USER, "wrong password!"),
                Map.of("X-Api-Key", TestStack.OPERATOR_KEY.toUpperCase()))) {
            assertEquals(401, stack.post(path, "", unknown).statusCode());
        }
        assertEquals(405, stack.get(path, OPERATOR).statusCode(), "a reveal is never a GET (links, prefetching, caches)");
        JsonNode attempt = JSON.readTree(ok(stack.get("/api/attempts/" + attemptId, OPERATOR)));
        assertTrue(entries(attempt, "PHONE_REVEALED").isEmpty(), attempt.path("timeline").toString());
        assertEquals(List.of(List.of("0")), stack.ledgerRows(
                "SELECT COUNT(*) FROM stk_phone_access WHERE kind = 'REVEAL' AND attempt_id = '" + attemptId + "'"));
    }

    @Test
    void aSearchByPhoneNumberIsRecordedInTheTimelineOfEveryAttemptItShowed() throws Exception {
        String receipt = paid.path("mpesaReceiptNumber").asText();
        int before = phoneSearches();
        ok(stack.get("/api/attempts?q=" + receipt, READER));
        ok(stack.get("/api/attempts?orderId=" + cancelled.path("orderId").asText(), READER));
        assertEquals(before, phoneSearches(), "a search by another key records nothing");

        JsonNode found = JSON.readTree(ok(stack.get("/api/attempts?phone=0708%20374%20149&size=2", READER)));
        List<String> shown = new ArrayList<>();
        found.path("attempts").forEach(a -> shown.add(a.path("attemptId").asText()));
        assertEquals(2, shown.size());
        assertEquals(before + 2, phoneSearches(), "one record per attempt shown");
        for (String attemptId : shown) {
            JsonNode searches = JSON.readTree(ok(stack.get("/api/attempts/" + attemptId, OPERATOR)));
            JsonNode last = entries(searches, "PHONE_SEARCH").get(entries(searches, "PHONE_SEARCH").size() - 1);
            assertEquals(TestStack.READER_USER, last.path("by").asText());
            assertEquals(MASKED, last.path("detail").path("phoneNumber").asText());
            assertTrue(last.path("at").asText().endsWith("+03:00"), last.toString());
        }
    }

    private int phoneSearches() {
        return Integer.parseInt(stack.ledgerRows("SELECT COUNT(*) FROM stk_phone_access WHERE kind = 'PHONE_SEARCH'").get(0).get(0));
    }

    private static void assertNoSecrets(String body) {
        for (String secret : List.of(TestStack.PASSKEY, TestStack.CONSUMER_SECRET, TestStack.CALLBACK_SECRET,
                TestStack.OPERATOR_KEY, TestStack.READER_KEY, TestStack.CONSOLE_PASSWORD)) {
            assertFalse(body.contains(secret), "no secret in " + body);
        }
    }

    private static String ok(HttpResponse<String> answer) {
        assertEquals(200, answer.statusCode(), answer.uri() + " → " + answer.body());
        return answer.body();
    }

    private static JsonNode entry(JsonNode attempt, String kind) {
        List<JsonNode> found = entries(attempt, kind);
        assertFalse(found.isEmpty(), "a " + kind + " entry in " + attempt.path("timeline"));
        return found.get(0);
    }

    private static List<JsonNode> entries(JsonNode attempt, String kind) {
        List<JsonNode> found = new ArrayList<>();
        attempt.path("timeline").forEach(e -> {
            if (kind.equals(e.path("kind").asText())) {
                found.add(e);
            }
        });
        return found;
    }
}
