package io.stkbridge.daraja;

import io.stkbridge.outcome.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PushAnswerTest {

    @Test
    void acceptedMeansPromptedNotPaid() {
        PushAnswer answer = PushAnswer.read(200, """
                {"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
                 "ResponseCode":"0","ResponseDescription":"Success. Request accepted for processing"}""");
        assertTrue(answer.accepted());
        assertEquals("ws_CO_191220191020363925", answer.checkoutRequestId());
    }

    @Test
    void anExpiredTokenIsRecognisedByCodeOrStatus() {
        assertTrue(PushAnswer.read(404, "{\"errorCode\":\"404.001.03\",\"errorMessage\":\"Invalid Access Token\"}").tokenRefused());
        assertTrue(PushAnswer.read(401, "").tokenRefused());
        assertTrue(PushAnswer.read(400, "{\"requestId\":\"1-2\",\"errorCode\":\"400.003.01\",\"errorMessage\":\"Invalid Access Token\"}").tokenRefused());
        assertFalse(PushAnswer.read(404, "{\"errorCode\":\"404.001.01\"}").tokenRefused());
    }

    @Test
    void darajasRequestIdIsKeptForSupport() {
        PushAnswer answer = PushAnswer.read(500, "{\"requestId\":\"16813-15318498-1\",\"errorCode\":\"500.003.1001\",\"errorMessage\":\"Internal Server Error\"}");
        assertEquals("16813-15318498-1", answer.requestId());
        assertEquals(null, PushAnswer.read(503, "<html>busy</html>").requestId());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "400|{\"errorCode\":\"400.002.02\",\"errorMessage\":\"Bad Request - Invalid PhoneNumber\"}|REJECTED|INVALID_REQUEST",
            "500|{\"errorCode\":\"500.001.1001\",\"errorMessage\":\"Unable to lock subscriber, a transaction is already in process for the current subscriber\"}|FAILED|SUBSCRIBER_BUSY",
            "500|{\"errorCode\":\"500.001.1001\",\"errorMessage\":\"Wrong credentials\"}|FAILED|CONFIG_ERROR",
            "500|{\"errorCode\":\"500.001.1001\",\"errorMessage\":\"Merchant does not exist\"}|FAILED|CONFIG_ERROR",
            "500|{\"errorCode\":\"500.003.02\",\"errorMessage\":\"Spike Arrest Violation\"}|FAILED|DARAJA_BUSY",
            "429|{\"errorCode\":\"429\",\"errorMessage\":\"Too many requests\"}|FAILED|DARAJA_BUSY",
            "404|{\"errorCode\":\"404.001.01\",\"errorMessage\":\"Resource not found\"}|FAILED|CONFIG_ERROR",
            "500|{\"errorCode\":\"500.003.1001\",\"errorMessage\":\"Internal Server Error\"}|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "500|{\"errorCode\":\"500.001.1001\",\"errorMessage\":\"System error occurred, please try again\"}|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "500|{\"errorCode\":\"500.003.03\",\"errorMessage\":\"Quota Violation\"}|FAILED|DARAJA_BUSY",
            "502|''|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "200|<html><body>Request received</body></html>|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "200|{\"MerchantRequestID\":\"1-2-3\",\"ResponseCode\":\"0\",\"ResponseDescription\":\"Success. Request accepted for processing\"}|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "400|{\"errorCode\":\"400.001.01\",\"errorMessage\":\"Something new\"}|FAILED|DARAJA_ERROR",
            "400|<html><body>400 Bad Request</body></html>|FAILED|DARAJA_ERROR",
            "503|<html><body>503 Service Unavailable</body></html>|UNKNOWN|PUSH_OUTCOME_UNKNOWN",
            "200|{\"ResponseCode\":\"1\",\"ResponseDescription\":\"Rejected\"}|REJECTED|DARAJA_ERROR"})
    void refusalsAreFinalOnlyWhenNothingCanHaveReachedTheCustomer(int status, String body, Status expected, String reason) {
        PushAnswer answer = PushAnswer.read(status, body);
        assertFalse(answer.accepted());
        assertEquals(expected, answer.resolution().status());
        assertEquals(reason, answer.resolution().reason());
    }
}
