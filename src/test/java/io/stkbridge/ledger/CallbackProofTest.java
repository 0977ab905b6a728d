package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.StkCallback;
import io.stkbridge.outcome.OutcomeEvents;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static io.stkbridge.ledger.AttemptLedger.CallbackDisposition.APPLIED;
import static io.stkbridge.ledger.AttemptLedger.CallbackDisposition.TOO_LATE;
import static io.stkbridge.ledger.AttemptLedger.CallbackDisposition.UNPROVEN_SUCCESS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A callback URL can leak (ingress, WAF and APM logs keep paths): a success decides an attempt only with its proof
 * (receipt, the amount asked for, the phone prompted), and nothing decides an attempt past the callback window. What
 * does not decide is kept in the attempt's history and the attempt is queried instead. On H2 and on PostgreSQL.
 */
class CallbackProofTest {

    static final Duration WINDOW = Duration.ofHours(24);
    static final String PHONE = "254708374149";

    private static AttemptLedger attempts(TestLedger ledger, MovableClock clock) {
        return new AttemptLedger(ledger.transactions, new OutcomeEvents(new ObjectMapper()), null, new ObjectMapper(), clock,
                new QuerySchedule(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(8),
                        Duration.ofMinutes(1), 5), "instance-a", WINDOW);
    }

    private static void accepted(TestLedger ledger, String attemptId, OffsetDateTime at) {
        ledger.accepted(attemptId, "shop", at, at.plusSeconds(30), at.plusMinutes(8));
    }

    private static String success(String attemptId, String items) {
        return """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"ws_CO_%s","ResultCode":0,
                 "ResultDesc":"The service request is processed successfully.",%s}}}"""
                .formatted(attemptId, items == null ? "\"x\":0" : "\"CallbackMetadata\":{\"Item\":[" + items + "]}");
    }

    private static String items(String amount, String receipt, String phone) {
        StringBuilder items = new StringBuilder("{\"Name\":\"Balance\"},{\"Name\":\"TransactionDate\",\"Value\":20260301130000}");
        if (amount != null) {
            items.append(",{\"Name\":\"Amount\",\"Value\":").append(amount).append('}');
        }
        if (receipt != null) {
            items.append(",{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"").append(receipt).append("\"}");
        }
        if (phone != null) {
            items.append(",{\"Name\":\"PhoneNumber\",\"Value\":").append(phone).append('}');
        }
        return items.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aSuccessWithoutItsProofDecidesNothingAndTheAttemptIsQueried(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            accepted(ledger, "a-1", clock.offsetNow());
            AttemptLedger attempts = attempts(ledger, clock);
            for (String forged : List.of(success("a-1", null), success("a-1", items("10.00", null, PHONE)),
                    success("a-1", items("11.00", "RCP1234567", PHONE)), success("a-1", items("10.00", "RCP1234567", "254700000001")),
                    success("a-1", items(null, "RCP1234567", PHONE)))) {
                assertEquals(UNPROVEN_SUCCESS, attempts.receiveCallback("a-1", StkCallback.parse(forged), forged), forged);
            }
            assertEquals("ACCEPTED", ledger.value("SELECT status FROM stk_attempt WHERE attempt_id = 'a-1'"));
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_outbox"), "no outcome from an unproven success");
            assertEquals(List.of("a-1"), attempts.claimDueForQuery(10, "instance-a", attempt -> true, attempt -> true).stream()
                    .map(Attempt::attemptId).toList(), "queried at once, not 30 s later");

            String proven = success("a-1", items("10.00", "RCP1234567", PHONE));
            assertEquals(APPLIED, attempts.receiveCallback("a-1", StkCallback.parse(proven), proven));
            assertEquals("SUCCEEDED RCP1234567", ledger.value(
                    "SELECT status || ' ' || mpesa_receipt_number FROM stk_attempt WHERE attempt_id = 'a-1'"));
            assertEquals(List.of("UNPROVEN_SUCCESS", "UNPROVEN_SUCCESS", "UNPROVEN_SUCCESS", "UNPROVEN_SUCCESS",
                    "UNPROVEN_SUCCESS", "APPLIED"), ledger.column(
                    "SELECT disposition FROM stk_callback WHERE attempt_id = 'a-1' ORDER BY callback_id"), "all kept");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void nothingDecidesAnAttemptPastTheCallbackWindow(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            accepted(ledger, "a-2", clock.offsetNow());
            AttemptLedger attempts = attempts(ledger, clock);
            clock.advance(WINDOW.plusMinutes(1));
            String proven = success("a-2", items("10.00", "RCP7654321", PHONE));
            assertEquals(TOO_LATE, attempts.receiveCallback("a-2", StkCallback.parse(proven), proven));
            String cancelled = """
                    {"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":"ws_CO_a-2","ResultCode":1032,
                     "ResultDesc":"Request cancelled by user"}}}""";
            assertEquals(TOO_LATE, attempts.receiveCallback("a-2", StkCallback.parse(cancelled), cancelled));
            assertEquals("ACCEPTED", ledger.value("SELECT status FROM stk_attempt WHERE attempt_id = 'a-2'"));
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_outbox"));
            assertEquals(List.of("TOO_LATE", "TOO_LATE"), ledger.column("SELECT disposition FROM stk_callback WHERE attempt_id = 'a-2'"));
        }
    }
}
