package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.MovableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * How an attempt is first written (a time-ordered id, and the push request as the ledger keeps it in the same row) and read
 * back.
 */
class AttemptIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void attemptIdsAreTimeOrderedSoTheIndexesKeyedByThemTakeNewAttemptsAtTheirRightEdge(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            AttemptLedger attempts = PushBoundaryTest.attempts(ledger, new MovableClock());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ids.add(attempts.open(PushBoundaryTest.intent("ordered-" + i)).attempt().attemptId());
            }
            assertEquals(ids.stream().sorted().toList(), ids, "opened in this order, sorted in this order");
            assertEquals(List.of(7), ids.stream().map(id -> UUID.fromString(id).version()).distinct().toList());
            assertEquals(ids, ledger.column("SELECT attempt_id FROM stk_attempt ORDER BY attempt_id"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void theAttemptIsInsertedWithItsPushRequestWithoutPasswordOrCallbackToken(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            Attempt attempt = PushBoundaryTest.attempts(ledger, new MovableClock()).open(PushBoundaryTest.intent("stored"))
                    .attempt();
            JsonNode stored = new ObjectMapper().readTree(ledger.value(
                    "SELECT push_request_json FROM stk_attempt WHERE attempt_id = ?", attempt.attemptId()));
            assertEquals("174379", stored.path("BusinessShortCode").asText());
            assertEquals(10, stored.path("Amount").asInt());
            assertEquals("254708374149", stored.path("PartyA").asText());
            assertEquals("254708374149", stored.path("PhoneNumber").asText());
            assertEquals("174379", stored.path("PartyB").asText());
            assertEquals("ref-6", stored.path("AccountReference").asText());
            assertEquals("CustomerPayBillOnline", stored.path("TransactionType").asText());
            assertEquals("https://bridge.example.com" + "/callbacks/stk/" + attempt.attemptId() + "/{token}",
                    stored.path("CallBackURL").asText(), "the token is not kept");
            assertFalse(stored.has("Password"), "the ledger never keeps the password");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anAttemptIsReadBackColumnForColumnWhateverIsNull(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            // an amount without a merchant: the amount's null check once looked at the merchant, read just before it
            ledger.execute("INSERT INTO stk_attempt (attempt_id, intent_id, intent_hash, order_id, amount, phone_number, "
                    + "intent_json, status, created_at, updated_at) VALUES ('read-back', 'i-1', 'h', 'o-1', 10, "
                    + "'254708374149', '{}', 'PENDING_PUSH', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            Attempt attempt = PushBoundaryTest.attempts(ledger, new MovableClock()).find("read-back").orElseThrow();
            assertEquals(10, attempt.amount());
            assertNull(attempt.merchant());
            assertEquals("254708374149", attempt.phoneNumber());
            assertEquals("o-1", attempt.orderId());
            assertEquals(Status.PENDING_PUSH, attempt.status());
            assertFalse(attempt.corrected());
        }
    }
}
