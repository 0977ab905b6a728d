package io.stkbridge.daraja;

import io.stkbridge.outcome.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultCodesTest {

    @ParameterizedTest
    @CsvSource({
            "0, SUCCEEDED, ",
            "1, FAILED, INSUFFICIENT_FUNDS",
            "1019, FAILED, EXPIRED",
            "1032, FAILED, CANCELLED_BY_USER",
            "1037, FAILED, CUSTOMER_UNREACHABLE",
            "2001, FAILED, WRONG_PIN",
            "1001, FAILED, SUBSCRIBER_BUSY",
            "2028, FAILED, CONFIG_ERROR",
            "' 0 ', SUCCEEDED, ",
            "12345, UNKNOWN, UNRECOGNIZED_RESULT_CODE",
            "'', UNKNOWN, UNRECOGNIZED_RESULT_CODE"})
    void mapsEveryCodeWithoutGuessing(String code, Status status, String reason) {
        var resolution = ResultCodes.resolve(code, "desc").orElseThrow();
        assertEquals(status, resolution.status());
        assertEquals(reason, resolution.reason());
    }

    @Test
    void stillProcessingIsNotAnOutcome() {
        assertTrue(ResultCodes.resolve("4999", "still under processing").isEmpty());
    }
}
