package io.stkbridge.simulator;

import java.util.Map;

/** A transaction's final ResultCode and ResultDesc, as the callback and the Query report them. */
record Result(int code, String description) {

    static final Result SUCCESS = new Result(0, "The service request is processed successfully.");
    static final Result NOT_PERMITTED =
            new Result(2028, "The request is not permitted according to product assignment");

    private static final Map<Integer, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(1, "The balance is insufficient for the transaction."),
            Map.entry(17, "Rule limited."),
            Map.entry(26, "System busy. The service request is rejected."),
            Map.entry(1001, "Unable to lock subscriber, a transaction is already in process for the current subscriber"),
            Map.entry(1019, "Transaction has expired"),
            Map.entry(1025, "An error occurred while sending a push request"),
            Map.entry(1031, "Request cancelled by user"),
            Map.entry(1032, "Request cancelled by user"),
            Map.entry(1037, "DS timeout user cannot be reached"),
            Map.entry(2001, "The initiator information is invalid."),
            Map.entry(2028, NOT_PERMITTED.description()),
            Map.entry(8006, "The security credential is locked"),
            Map.entry(9999, "An error occurred while sending a push request"));

    private static final int INSUFFICIENT_BALANCE_AMOUNT = 1111;

    /** The outcome an Amount asks for: a listed ResultCode, 1111 for code 1, anything else success. */
    static Result forAmount(int amount) {
        int code = amount == INSUFFICIENT_BALANCE_AMOUNT ? 1 : amount;
        String description = DESCRIPTIONS.get(code);
        return description == null ? SUCCESS : new Result(code, description);
    }

    boolean isSuccess() {
        return code == 0;
    }
}
