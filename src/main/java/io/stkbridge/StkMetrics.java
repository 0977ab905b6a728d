package io.stkbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.QueryAnswer;
import io.stkbridge.kafka.IntakeBatches;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.OutcomeEvent;
import io.stkbridge.outcome.Resolution;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The product's own counters (README, Operations, lists every meter). Daraja latency per endpoint is
 * {@link io.stkbridge.metrics.DarajaLatency}, the ledger's gauges {@link io.stkbridge.ledger.LedgerGauges}, Kafka consumer
 * lag {@link io.stkbridge.metrics.MeteredKafkaClientFactory}. Tag values come from fixed sets (statuses, reasons,
 * dispositions, configured merchants), never from a payment's own ids.
 */
public class StkMetrics {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "stk.intents.consumed", "Intent records read from the intents topic",
            "stk.outcomes.published", "Outcome events published to Kafka, by status and reason",
            "stk.callbacks.received", "Daraja callbacks received: accepted, rejected (403/400), unmatched, error (500)",
            "stk.daraja.token.refreshes", "OAuth tokens fetched from Daraja, per merchant",
            "stk.queries.answered", "STK Queries by answer: FINAL, PENDING, RETRY, OTHER_PAYMENT, NO_ANSWER",
            "stk.pushes", "STK Pushes sent, by what they came to: ACCEPTED, REJECTED, FAILED, UNKNOWN, DEFERRED",
            "stk.dead.letters", "Records sent to the dead-letter topic, by reason (PROCESSING_FAILED_REPEATEDLY: alert)");
    static final String NONE = "none";

    private final Supplier<MeterRegistry> registry;

    /** @param registry Camel's meter registry, looked up when first used (Camel's metrics service creates it at start) */
    public StkMetrics(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    /**
     * Of the Kafka consumers' own metrics, keeps the fetch (lag, records consumed), coordinator (rebalances, commits)
     * and poll ones; the network and authentication details are left out.
     */
    public static void filter(MeterRegistry meters) {
        meters.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith("kafka.consumer.")
                && !id.getName().startsWith("kafka.consumer.fetch.manager.")
                && !id.getName().startsWith("kafka.consumer.coordinator.")
                && !id.getName().startsWith("kafka.consumer.last.poll")
                && !id.getName().startsWith("kafka.consumer.time.between.poll")
                && !id.getName().startsWith("kafka.consumer.poll.idle")));
    }

    /**
     * Registers the counters that matter most at zero, so they are scraped (and {@code rate()} works) before anything
     * happened: called once Camel's meter registry exists.
     */
    public void registerAtZero(Iterable<Merchant> merchants) {
        counter("stk.intents.consumed");
        for (QueryAnswer.Kind kind : QueryAnswer.Kind.values()) {
            counter("stk.queries.answered", "answer", kind.name());
        }
        counter("stk.queries.answered", "answer", "NO_ANSWER");
        counter("stk.callbacks.received", "result", "accepted", "disposition", AttemptLedger.CallbackDisposition.APPLIED.name());
        counter("stk.callbacks.received", "result", "rejected", "disposition", "REFUSED");
        counter("stk.callbacks.received", "result", "rejected", "disposition", "MALFORMED");
        counter("stk.callbacks.received", "result", "unmatched", "disposition",
                AttemptLedger.CallbackDisposition.UNKNOWN_ATTEMPT.name());
        counter("stk.callbacks.received", "result", "unverified", "disposition",
                AttemptLedger.CallbackDisposition.UNPROVEN_SUCCESS.name());
        counter("stk.dead.letters", "reason", IntakeBatches.FAILED_REPEATEDLY);
        for (Merchant merchant : merchants) {
            counter("stk.daraja.token.refreshes", "merchant", merchant.name());
            counter("stk.pushes", "merchant", merchant.name(), "result", "ACCEPTED", "reason", NONE);
        }
    }

    public void intentConsumed() {
        counter("stk.intents.consumed").increment();
    }

    /**
     * An outcome event on Kafka, by status ({@code type} is the CloudEvents type, {@code io.stkbridge.stk.outcome.<status>})
     * and reason ({@code none} for SUCCEEDED and ACCEPTED).
     */
    public void outcomePublished(OutcomeEvent event) {
        String status = event.type().substring(OutcomeEvent.TYPE_PREFIX.length());
        counter("stk.outcomes.published", "status", status, "reason", reason(event)).increment();
    }

    public void outcomesPublished(java.util.List<OutcomeEvent> events) {
        events.forEach(this::outcomePublished);
    }

    private static String reason(OutcomeEvent event) {
        try {
            JsonNode reason = JSON.readTree(event.payload()).path("reason");
            return reason.isTextual() ? reason.asText() : NONE;
        } catch (Exception e) {
            return NONE;
        }
    }

    /**
     * A callback that passed the URL token (and source) check: {@code result} is {@code accepted} (stored and applied or
     * kept) or {@code unmatched} (no such attempt, or another CheckoutRequestID); {@code disposition} says more.
     */
    public void callbackReceived(AttemptLedger.CallbackDisposition disposition) {
        String result = switch (disposition) {
            case UNKNOWN_ATTEMPT, CHECKOUT_MISMATCH -> "unmatched";
            // a success without its proof, or a result past the window: a leaked callback URL being tried
            case UNPROVEN_SUCCESS, TOO_LATE, AWAITING_QUERY -> "unverified";
            default -> "accepted";
        };
        callback(result, disposition.name());
    }

    /** A callback answered 403 (token or source address): {@code result="rejected"}. */
    public void callbackRefused(String why) {
        callback("rejected", why);
    }

    /** A callback answered 400 (not an STK callback): {@code result="rejected", disposition="MALFORMED"}. */
    public void callbackMalformed() {
        callback("rejected", "MALFORMED");
    }

    /** A callback answered 500 (the ledger could not store it): {@code result="error"}. */
    public void callbackFailed() {
        callback("error", "NOT_STORED");
    }

    private void callback(String result, String disposition) {
        counter("stk.callbacks.received", "result", result, "disposition", disposition).increment();
    }

    /**
     * What one push came to: {@code result} ACCEPTED, REJECTED, FAILED or UNKNOWN (with the outcome's reason), or
     * DEFERRED (nothing reached Daraja: unreachable or still busy; it is pushed again later).
     */
    public void pushed(Attempt attempt, String result, String reason) {
        counter("stk.pushes", "merchant", merchant(attempt), "result", result,
                "reason", reason == null ? NONE : reason).increment();
    }

    public void pushed(Attempt attempt, Resolution resolution) {
        pushed(attempt, resolution.status().name(), resolution.reason());
    }

    private static String merchant(Attempt attempt) {
        return attempt == null || attempt.merchant() == null ? "unknown" : attempt.merchant();
    }

    /**
     * A record published to the dead-letter topic, by its {@code stk_error_reason}. {@code PROCESSING_FAILED_REPEATEDLY}
     * deserves an alert: a record that failed on every read was set aside, and needs review.
     */
    public void deadLettered(String reason) {
        counter("stk.dead.letters", "reason", reason == null ? NONE : reason).increment();
    }

    /** A new OAuth token was fetched for a merchant (tokens are cached per consumer key, so merchants may share one). */
    public void tokenRefreshed(Merchant merchant) {
        counter("stk.daraja.token.refreshes", "merchant", merchant.name()).increment();
    }

    /** An STK Query answered: FINAL (a result), PENDING (still being processed) or RETRY (a transient answer). */
    public QueryAnswer queryAnswered(QueryAnswer answer) {
        counter("stk.queries.answered", "answer", answer.kind().name()).increment();
        return answer;
    }

    /** An STK Query that got no answer at all (connection refused, timeout, no token): {@code answer="NO_ANSWER"}. */
    public void queryUnanswered() {
        counter("stk.queries.answered", "answer", "NO_ANSWER").increment();
    }

    private Counter counter(String name, String... tags) {
        return Counter.builder(name).description(DESCRIPTIONS.getOrDefault(name, "")).tags(tags).register(registry.get());
    }
}
