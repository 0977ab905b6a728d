package io.stkbridge.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stkbridge.SendEventNotifier;
import io.stkbridge.ledger.Attempt;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Daraja latency as a histogram per endpoint: {@code stk_daraja_request_seconds{endpoint, merchant, status}}, where
 * endpoint is {@code push}, {@code query} or {@code oauth}, and status the HTTP status or {@code error} (no answer:
 * connection refused, timeout, reset). Every try counts, re-sends and connect retries included. It reads Camel's
 * "exchange sent" events of the routes' Daraja {@code toD} steps, so no route has to time anything.
 */
public class DarajaLatency extends SendEventNotifier {

    /** The exchange property that names the merchant of a token request (push and query exchanges carry the attempt). */
    public static final String MERCHANT_PROPERTY = "darajaMerchant";
    private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(30)};

    private final Supplier<MeterRegistry> registry;
    /** One timer per endpoint, merchant and status: registering one per call (a look-up by its whole id) cost ~1 % of the CPU. */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public DarajaLatency(Supplier<MeterRegistry> registry) {
        super(false);
        this.registry = registry;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeSentEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        CamelEvent.ExchangeSentEvent sent = (CamelEvent.ExchangeSentEvent) event;
        String endpoint = endpoint(sent.getEndpoint().getEndpointBaseUri());
        if (endpoint == null) {
            return;
        }
        Exchange exchange = sent.getExchange();
        String merchant = merchant(exchange);
        String status = status(exchange);
        timers.computeIfAbsent(endpoint + ' ' + merchant + ' ' + status, key -> Timer.builder("stk.daraja.request")
                        .description("Daraja HTTP calls: time to the answer, per endpoint (push, query, oauth)")
                        .tag("endpoint", endpoint)
                        .tag("merchant", merchant)
                        .tag("status", status)
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry.get()))
                .record(sent.getTimeTaken(), TimeUnit.MILLISECONDS);
    }

    static String endpoint(String uri) {
        if (uri == null) {
            return null;
        }
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        if (path.endsWith("/mpesa/stkpush/v1/processrequest")) {
            return "push";
        }
        if (path.endsWith("/mpesa/stkpushquery/v1/query")) {
            return "query";
        }
        if (path.endsWith("/oauth/v1/generate")) {
            return "oauth";
        }
        return null;
    }

    private static String merchant(Exchange exchange) {
        if (exchange.getProperty("attempt") instanceof Attempt attempt && attempt.merchant() != null) {
            return attempt.merchant();
        }
        return exchange.getProperty(MERCHANT_PROPERTY, "unknown", String.class);
    }

    private static String status(Exchange exchange) {
        if (exchange.getException() != null) {
            return "error";
        }
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return code == null ? "error" : String.valueOf(code);
    }
}
