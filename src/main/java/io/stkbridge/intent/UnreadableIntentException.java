package io.stkbridge.intent;

/** The record is not a JSON object with a usable intentId and orderId: it can only go to the dead-letter topic. */
public class UnreadableIntentException extends RuntimeException {

    public UnreadableIntentException(String message) {
        super(message);
    }
}
