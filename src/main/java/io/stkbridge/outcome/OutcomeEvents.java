package io.stkbridge.outcome;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stkbridge.ledger.Attempt;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.UUID;

/**
 * The normalized outcome event of an attempt (schema: {@code schema/outcome-event.schema.json}). Event ids are derived
 * from the attempt, so the same decision always carries the same id and consumers can deduplicate on it.
 */
public class OutcomeEvents {

    private final ObjectMapper mapper;

    public OutcomeEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The event for the attempt's current state: ACCEPTED (not final) or its one final outcome. */
    public OutcomeEvent of(Attempt attempt, OffsetDateTime occurredAt) {
        return event(attempt, occurredAt, attempt.status().isFinal() ? "FINAL" : attempt.status().name(), null, null);
    }

    /**
     * The one correction an attempt may get: a final outcome that supersedes its earlier final event
     * ({@code corrects}), when a callback contradicts an outcome that was inferred (Query, UNKNOWN), or a Query's final
     * answer settles an UNKNOWN.
     */
    public OutcomeEvent correctionOf(Attempt attempt, OffsetDateTime occurredAt) {
        return event(attempt, occurredAt, "CORRECTION", eventId(attempt.attemptId(), "FINAL"), null);
    }

    /**
     * The M-Pesa receipt of a payment whose SUCCEEDED outcome was published without it (decided by STK Query, which
     * carries no receipt), brought by a matching callback later. Not a decision, so not final: {@code receiptFor} names
     * the outcome event it completes.
     */
    public OutcomeEvent receiptOf(Attempt attempt, OffsetDateTime occurredAt) {
        String completes = eventId(attempt.attemptId(), attempt.corrected() ? "CORRECTION" : "FINAL");
        return event(attempt, occurredAt, "RECEIPT", null, completes);
    }

    private OutcomeEvent event(Attempt attempt, OffsetDateTime occurredAt, String kind, String corrects, String receiptFor) {
        String eventId = eventId(attempt.attemptId(), kind);
        ObjectNode event = mapper.createObjectNode();
        event.put("eventId", eventId);
        event.put("intentId", attempt.intentId());
        event.put("orderId", attempt.orderId());
        event.put("attemptId", attempt.attemptId());
        event.put("status", attempt.status().name());
        event.put("final", attempt.status().isFinal() && receiptFor == null);
        event.put("reason", attempt.reason());
        event.put("retryable", attempt.retryable());
        event.put("resultCode", attempt.resultCode());
        event.put("resultDesc", attempt.resultDesc());
        event.put("merchantRequestId", attempt.merchantRequestId());
        event.put("checkoutRequestId", attempt.checkoutRequestId());
        event.put("mpesaReceiptNumber", attempt.mpesaReceiptNumber());
        event.put("receiptAvailable", attempt.mpesaReceiptNumber() != null);
        event.put("amount", attempt.amount());
        event.put("phoneNumber", attempt.phoneNumber());
        event.put("transactionDate", attempt.transactionDate());
        event.put("merchant", attempt.merchant());
        event.put("source", attempt.source());
        event.put("occurredAt", occurredAt.toString());
        event.put("correction", corrects != null);
        event.put("corrects", corrects);
        if (receiptFor != null) {
            event.put("receiptFor", receiptFor);
        }
        event.set("metadata", metadata(attempt.metadataJson()));
        try {
            return new OutcomeEvent(eventId, attempt.attemptId(), attempt.orderId(),
                    OutcomeEvent.TYPE_PREFIX + (receiptFor != null ? "receipt" : attempt.status().name().toLowerCase(Locale.ROOT)),
                    mapper.writeValueAsString(event), occurredAt, null, null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String eventId(String attemptId, String kind) {
        return UUID.nameUUIDFromBytes((attemptId + ":" + kind).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private com.fasterxml.jackson.databind.JsonNode metadata(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }
}
