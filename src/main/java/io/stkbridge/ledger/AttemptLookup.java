package io.stkbridge.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** Finds attempts for the query API and commands, and shows an attempt's state without its secrets. */
public class AttemptLookup {

    private final AttemptLedger ledger;
    private final ObjectMapper mapper;

    public AttemptLookup(AttemptLedger ledger, ObjectMapper mapper) {
        this.ledger = ledger;
        this.mapper = mapper;
    }

    public Attempt byCheckoutRequestId(String checkoutRequestId) {
        return ledger.findByCheckoutRequestId(checkoutRequestId)
                .orElseThrow(() -> new AttemptNotFoundException("no attempt has CheckoutRequestID " + checkoutRequestId));
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
        if (attempt.checkoutRequestId() == null) {
            throw new InvalidQueryRequestException("attempt " + attempt.attemptId() + " was never accepted by Daraja: nothing to query");
        }
        return attempt;
    }

    public Map<String, Object> view(String attemptId) {
        Attempt attempt = ledger.find(attemptId).orElseThrow(() -> new AttemptNotFoundException("no attempt " + attemptId));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("attemptId", attempt.attemptId());
        view.put("intentId", attempt.intentId());
        view.put("orderId", attempt.orderId());
        view.put("status", attempt.status().name());
        view.put("final", attempt.status().isFinal());
        view.put("reason", attempt.reason());
        view.put("resultCode", attempt.resultCode());
        view.put("resultDesc", attempt.resultDesc());
        view.put("source", attempt.source());
        view.put("checkoutRequestId", attempt.checkoutRequestId());
        view.put("mpesaReceiptNumber", attempt.mpesaReceiptNumber());
        view.put("amount", attempt.amount());
        view.put("updatedAt", String.valueOf(attempt.updatedAt()));
        return view;
    }
}
