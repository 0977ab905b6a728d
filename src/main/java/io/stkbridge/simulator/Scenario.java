package io.stkbridge.simulator;

/** What the simulator does with a valid push, chosen by its Amount (the table is on {@link DarajaSimulator}). */
sealed interface Scenario {

    /** The push is refused at the API: not registered, nobody is prompted. */
    record Refused(Reply reply) implements Scenario {
    }

    /** The push is registered and the customer prompted; the HTTP answer and the callback may misbehave. */
    record Accepted(Result result, Answer answer, boolean callbackDropped) implements Scenario {
    }

    enum Answer {
        ACCEPTED, INTERNAL_ERROR, SLOW,
        /** HTTP 500 {@code 500.001.1001} with a message that names neither a locked subscriber nor the merchant. */
        UNFAMILIAR_MERCHANT_ERROR,
        /** The connection is closed after the request was read, without an answer. */
        CONNECTION_CLOSED,
        /** HTTP 200 ResponseCode "0" without a CheckoutRequestID. */
        ACCEPTED_WITHOUT_CHECKOUT_ID,
        /** HTTP 200 accepted, its body written one byte at a time: no read waits long, the whole answer takes long. */
        TRICKLED
    }

    static Scenario forAmount(int amount) {
        return switch (amount) {
            case 4002 -> refused(DarajaError.invalidField("PhoneNumber"));
            case 5001 -> refused(DarajaError.merchantRefusal(
                    "Unable to lock subscriber, a transaction is already in process for the current subscriber"));
            case 5002 -> refused(new DarajaError(500, "500.003.02", "Spike Arrest Violation"));
            case 4290 -> new Refused(Reply.json(429,
                    Json.object().put("errorCode", "429").put("errorMessage", "Too many requests")));
            case 5031 -> new Refused(Reply.html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>"));
            case 5100 -> new Accepted(Result.SUCCESS, Answer.INTERNAL_ERROR, false);
            case 5003 -> new Accepted(Result.SUCCESS, Answer.UNFAMILIAR_MERCHANT_ERROR, false);
            case 5200 -> new Accepted(Result.SUCCESS, Answer.CONNECTION_CLOSED, false);
            case 2000 -> new Accepted(Result.SUCCESS, Answer.ACCEPTED_WITHOUT_CHECKOUT_ID, false);
            case 6000 -> new Accepted(Result.SUCCESS, Answer.SLOW, false);
            case 6100 -> new Accepted(Result.SUCCESS, Answer.TRICKLED, false);
            case 7000 -> new Accepted(Result.SUCCESS, Answer.ACCEPTED, true);
            default -> new Accepted(Result.forAmount(amount), Answer.ACCEPTED, false);
        };
    }

    private static Scenario refused(DarajaError error) {
        return new Refused(error.reply());
    }
}
