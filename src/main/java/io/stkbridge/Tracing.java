package io.stkbridge;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenTelemetry traces through camel-opentelemetry2, configured by the standard {@code OTEL_*} variables and off unless
 * they name a trace exporter or an OTLP endpoint. W3C trace context ({@code traceparent}, {@code tracestate}) on an
 * intent record is continued by the spans of its processing, its Daraja calls among them. Both are kept with the
 * attempt ({@link #current}): every outcome record of it carries them, and the callback and the STK Queries that decide
 * it later, in exchanges of their own, continue the intent's trace from them ({@code AttemptTraces}). A dead-lettered
 * record keeps its own headers: its trace context names the intent's trace. Daraja gets the trace context of the HTTP
 * call's span, and only the W3C one unless {@code OTEL_PROPAGATORS} asks for more.
 */
public final class Tracing {

    /** The span attribute that names the merchant of a Daraja call. */
    public static final String MERCHANT_ATTRIBUTE = "stk.merchant";
    /** The span attribute that says what asked for an STK Query: SWEEP, HTTP or KAFKA. */
    public static final String QUERY_TRIGGER_ATTRIBUTE = "stk.query.trigger";

    /** The W3C trace context headers. */
    public static final String TRACE_PARENT = "traceparent";
    public static final String TRACE_STATE = "tracestate";
    private static final List<String> TRACE_HEADERS = List.of(TRACE_PARENT, TRACE_STATE);
    /** The longest tracestate kept (the ledger's column): W3C asks every participant to pass on at least 512 characters. */
    static final int MAX_TRACE_STATE = 512;

    /** W3C trace context as its headers' text; either may be null (untraced, or no tracestate). */
    public record TraceContext(String traceParent, String traceState) {
        public static final TraceContext NONE = new TraceContext(null, null);
    }

    /**
     * Endpoints without spans: callback and API requests, whose URLs carry callback tokens and searched phone numbers;
     * the schedulers' ticks (outbox relay, sweeps), which would start several traces a second of an idle instance; and
     * the query commands' consumer and the sweep's query queue, so that the query a command or the sweep sends is in
     * its attempt's trace (AttemptTraces), not under a span of its own. Placeholders are resolved when tracing starts.
     */
    private static final List<String> UNTRACED = List.of("platform-http:*", "platform-http-api:*", "timer:*", "quartz:*",
            "kafka:{{stk.topic.query-requests}}?*", "seda:stale-attempt-queries*");

    private Tracing() {
    }

    /** Whether the {@code OTEL_*} variables ask for traces: an exporter or an endpoint, and the SDK not disabled. */
    static boolean requested(Map<String, String> environment) {
        if (Boolean.parseBoolean(environment.getOrDefault("OTEL_SDK_DISABLED", "false").trim())) {
            return false;
        }
        String exporter = environment.getOrDefault("OTEL_TRACES_EXPORTER", "").trim();
        if (!exporter.isEmpty()) {
            return !exporter.equals("none");
        }
        return !environment.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
                || !environment.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
    }

    /**
     * Starts tracing when {@link #requested}: an SDK configured by the {@code OTEL_*} variables (traces only; metrics
     * stay on the management port), and Camel's tracer on it, except for {@link #UNTRACED}. Returns the SDK, to be
     * closed after the routes (it flushes the last spans), or null when tracing is off.
     */
    public static OpenTelemetrySdk start(CamelContext context, Map<String, String> environment) {
        if (!requested(environment)) {
            return null;
        }
        // W3C trace context only, unless OTEL_PROPAGATORS says otherwise: baggage (the SDK's other default) would carry
        // whatever an order service put in it, and Camel's own entry, to Daraja with every push and query
        Map<String, String> properties = new HashMap<>(Map.of(
                "otel.service.name", "stk-bridge",
                "otel.propagators", "tracecontext",
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none"));
        environment.forEach((name, value) -> {
            if (name.startsWith("OTEL_")) {
                properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder().addPropertiesSupplier(() -> properties)
                .disableShutdownHook().build().getOpenTelemetrySdk();
        // found by type in the registry, so that several instances in one JVM (tests) need no global OpenTelemetry
        context.getRegistry().bind("openTelemetryTracer", sdk.getTracer("stk-bridge"));
        context.getRegistry().bind("openTelemetryPropagators", sdk.getPropagators());
        OpenTelemetryTracer tracer = new OpenTelemetryTracer();
        tracer.setExcludePatterns(context.resolvePropertyPlaceholders(String.join(",", UNTRACED)));
        tracer.init(context);
        return sdk;
    }

    /**
     * The W3C trace context of the span current on this thread, its tracestate that of the intent record; {@link
     * TraceContext#NONE} when there is no span (tracing off).
     */
    public static TraceContext current() {
        Map<String, String> headers = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), headers, Map::put);
        return new TraceContext(headers.get(TRACE_PARENT), bounded(headers.get(TRACE_STATE)));
    }

    /** A tracestate of at most {@link #MAX_TRACE_STATE} characters: whole entries dropped from the end, as W3C allows. */
    static String bounded(String traceState) {
        String kept = traceState;
        while (kept != null && kept.length() > MAX_TRACE_STATE) {
            int last = kept.lastIndexOf(',');
            kept = last < 0 ? null : kept.substring(0, last).strip();
        }
        return kept == null || kept.isEmpty() ? null : kept;
    }

    /**
     * Makes this trace context the message's trace headers, so that the span of the next {@code direct:} route the
     * message is sent to (from a route with no span of its own) is its child; an absent part is removed.
     */
    public static void continueFrom(TraceContext trace, Message message) {
        setOrRemove(message, TRACE_PARENT, trace.traceParent());
        setOrRemove(message, TRACE_STATE, trace.traceParent() == null ? null : trace.traceState());
    }

    private static void setOrRemove(Message message, String name, String value) {
        if (value == null) {
            message.removeHeader(name);
        } else {
            message.setHeader(name, value);
        }
    }

    /**
     * Names the merchant on the current span, the one whose child is the Daraja call about to be made (Camel's HTTP
     * span carries the endpoint's URL, and nothing of ours). Does nothing when tracing is off.
     */
    public static void merchant(String name) {
        Span.current().setAttribute(MERCHANT_ATTRIBUTE, name);
    }

    /** Says on the current span, the STK Query's, what asked for it. Does nothing when tracing is off. */
    public static void queryTrigger(String trigger) {
        if (trigger != null) {
            Span.current().setAttribute(QUERY_TRIGGER_ATTRIBUTE, trigger);
        }
    }

    /** Kafka hands record headers over as bytes; the tracer reads trace context only from text headers. */
    public static void traceContextAsText(Message record) {
        for (String name : TRACE_HEADERS) {
            if (record.getHeader(name) instanceof byte[] bytes) {
                record.setHeader(name, new String(bytes, StandardCharsets.UTF_8));
            }
        }
    }
}
