package io.stkbridge.intent;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** An identifiable intent that cannot be pushed: it is answered with a REJECTED outcome and copied to the dead-letter topic. */
public class InvalidIntentException extends RuntimeException {

    private final String reason;
    private final String intentId;
    private final String orderId;
    private final ObjectNode intent;
    private final List<String> errors;

    public InvalidIntentException(String reason, ObjectNode intent, List<String> errors) {
        super(reason + ": " + String.join("; ", errors));
        this.reason = reason;
        this.intent = intent;
        this.intentId = intent.path("intentId").asText();
        this.orderId = intent.path("orderId").asText();
        this.errors = List.copyOf(errors);
    }

    public String reason() {
        return reason;
    }

    public String intentId() {
        return intentId;
    }

    public String orderId() {
        return orderId;
    }

    public ObjectNode intent() {
        return intent;
    }

    public List<String> errors() {
        return errors;
    }
}
