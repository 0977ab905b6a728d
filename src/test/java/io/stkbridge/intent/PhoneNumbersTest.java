package io.stkbridge.intent;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhoneNumbersTest {

    @ParameterizedTest
    @CsvSource({
            "0712345678, 254712345678",
            "0112345678, 254112345678",
            "712345678, 254712345678",
            "+254712345678, 254712345678",
            "254712345678, 254712345678",
            "254112345678, 254112345678",
            "0712 345 678, 254712345678",
            "+254-712-345-678, 254712345678",
            "' 0712345678 ', 254712345678"})
    void normalizesWhatCustomersType(String typed, String expected) {
        assertEquals(expected, PhoneNumbers.normalize(typed).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0812345678", "25471234567", "2547123456789", "+255712345678", "07123456a8", "0712345678; DROP TABLE"})
    void refusesWhatIsNotASafaricomMobileNumber(String typed) {
        assertTrue(PhoneNumbers.normalize(typed).isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"254712345678, 2547*****678", "12, ***"})
    void masksAllButTheCountryCodeAndTheLastDigits(String phone, String masked) {
        assertEquals(masked, PhoneNumbers.mask(phone));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Call 0712345678, +254 712 345 678 or 712-345-678. | Call 2547*****678, 2547*****678 or 2547*****678.",
            "{\"PartyA\":254112345678,\"Msisdn\":\"0112345678\"} | {\"PartyA\":2541*****678,\"Msisdn\":\"2541*****678\"}",
            "ws_CO_23112026191828967558 20260101120000 TST1234567 174379 29115-34620561-1 | "
                    + "ws_CO_23112026191828967558 20260101120000 TST1234567 174379 29115-34620561-1"})
    void masksEveryMobileNumberInATextAndNothingElse(String text, String masked) {
        assertEquals(masked, PhoneNumbers.maskIn(text));
    }
}
