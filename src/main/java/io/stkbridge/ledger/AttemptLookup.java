package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.outcome.Status;


/** Finds attempts for the query API and commands, and shows an attempt's state without its secrets. */
public class AttemptLookup {

    private final AttemptLedger ledger;
    private final ObjectMapper mapper;

    public AttemptLookup(AttemptLedger ledger, ObjectMapper mapper) {
        this.ledger = ledger;
        this.mapper = mapper;
    }

    private Attempt byCheckoutRequestId(String checkoutRequestId) {
        return ledger.findByCheckoutRequestId(checkoutRequestId)
                .orElseThrow(() -> new AttemptNotFoundException("no attempt has CheckoutRequestID " + checkoutRequestId));
    }

    /** A query forced from the console or the API: the attempt by attempt id or CheckoutRequestID. */
    public Attempt forQueryNow(String id) {
        Attempt attempt = ledger.findByAttemptOrCheckoutId(id)
                .orElseThrow(() -> new AttemptNotFoundException("no attempt " + id));
        return queryable(attempt);
    }

    /** The attempt's status now (after a query, for the log). */
    public Status statusOf(String attemptId) {
        return ledger.findByAttemptOrCheckoutId(attemptId)
                .orElseThrow(() -> new AttemptNotFoundException("no attempt " + attemptId)).status();
    }

    /** A query command: {@code {"checkoutRequestId":"ws_CO_…"}} or {@code {"intentId":"…"}}. */
    public Attempt forQueryCommand(String command) {
        JsonNode node;
        try {
            node = mapper.readTree(command == null ? "" : command);
        } catch (Exception e) {
            throw new InvalidQueryRequestException("query request is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidQueryRequestException("query request must be a JSON object with checkoutRequestId or intentId");
        }
        Attempt attempt;
        if (node.path("checkoutRequestId").isTextual()) {
            attempt = byCheckoutRequestId(node.get("checkoutRequestId").asText());
        } else if (node.path("intentId").isTextual()) {
            String intentId = node.get("intentId").asText();
            attempt = ledger.findByIntent(intentId)
                    .orElseThrow(() -> new AttemptNotFoundException("no attempt for intentId " + intentId));
        } else {
            throw new InvalidQueryRequestException("query request must name checkoutRequestId or intentId");
        }
        return queryable(attempt);
    }

    private static Attempt queryable(Attempt attempt) {
        if (attempt.checkoutRequestId() == null) {
            throw new InvalidQueryRequestException("attempt " + attempt.attemptId() + " was never accepted by Daraja: nothing to query");
        }
        return attempt;
    }
}
