package io.stkbridge.daraja;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes under way in this instance: from the attempt entering the push route until its answer is recorded (or it is
 * deferred). Bounded by {@code STK_MAX_IN_FLIGHT} for the intake, plus the deferred attempts pushed again.
 */
public class PushesInFlight {

    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    /** Counts the exchange's push until the exchange is done, whichever way it ends. */
    public void enter(Exchange exchange) {
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                now.decrementAndGet();
            }
        });
    }

    public int now() {
        return now.get();
    }

    /** The most pushes under way at once since start. */
    public int peak() {
        return peak.get();
    }

    public void bindTo(MeterRegistry registry) {
        Gauge.builder("stk.pushes.in.flight", this, PushesInFlight::now)
                .description("STK Pushes under way in this instance (at most STK_MAX_IN_FLIGHT from the intake)")
                .strongReference(true).register(registry);
    }
}
