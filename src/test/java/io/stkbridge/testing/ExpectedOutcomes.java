package io.stkbridge.testing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The simulator's amount-driven scenarios and the status the bridge must end each intent with (after a correction, if it got one). */
public final class ExpectedOutcomes {

    public static final Map<Integer, String> BY_AMOUNT;

    static {
        Map<Integer, String> expected = new LinkedHashMap<>();
        for (int amount = 100; amount < 140; amount++) {
            expected.put(amount, "SUCCEEDED");
        }
        expected.put(1032, "FAILED");
        expected.put(1037, "FAILED");
        expected.put(1111, "FAILED");
        expected.put(2001, "FAILED");
        expected.put(1019, "FAILED");
        expected.put(7000, "SUCCEEDED");   // callback dropped: resolved by STK Query
        expected.put(5100, "SUCCEEDED");   // 500 after prompting: UNKNOWN, then corrected by the callback
        expected.put(5001, "FAILED");      // subscriber locked: re-sent within the bound, then FAILED
        expected.put(4002, "REJECTED");    // Daraja refuses the request
        expected.put(0, "REJECTED");       // invalid intent
        expected.put(6000, "SUCCEEDED");   // read timeout after the push registered: the callback decides
        BY_AMOUNT = Collections.unmodifiableMap(expected);
    }

    private ExpectedOutcomes() {
    }
}
