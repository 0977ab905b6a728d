package io.stkbridge;

import io.micrometer.core.instrument.MeterRegistry;
import io.stkbridge.daraja.QueryAnswer;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.OutcomeEvent;

import java.util.function.Supplier;

/**
 * The product's own counters, next to Camel's route and endpoint timers (Daraja latency per endpoint is Camel's
 * exchange-sent timer tagged with the call's endpoint).
 */
public class StkMetrics {

    private final Supplier<MeterRegistry> registry;

    /** @param registry Camel's meter registry, looked up when first used (Camel's metrics service creates it at start) */
    public StkMetrics(Supplier<MeterRegistry> registry) {
        this.registry = registry;
    }

    public void intentConsumed() {
        registry.get().counter("stk.intents.consumed").increment();
    }

    /** {@code type} is the CloudEvents type, {@code io.stkbridge.stk.outcome.<status>}. */
    public void outcomePublished(OutcomeEvent event) {
        String status = event.type().substring(OutcomeEvent.TYPE_PREFIX.length());
        registry.get().counter("stk.outcomes.published", "status", status).increment();
    }

    public void callbackReceived(AttemptLedger.CallbackDisposition disposition) {
        registry.get().counter("stk.callbacks.received", "disposition", disposition.name()).increment();
    }

    public void callbackRefused(String why) {
        registry.get().counter("stk.callbacks.received", "disposition", why).increment();
    }

    public QueryAnswer queryAnswered(QueryAnswer answer) {
        registry.get().counter("stk.queries.answered", "answer", answer.kind().name()).increment();
        return answer;
    }
}
