package io.stkbridge;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
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
 * intent record is continued by the spans of its processing, its Daraja calls among them; its traceparent is kept with
 * the attempt for every outcome record of it, and the record's own headers go with it to the dead-letter topic.
 */
public final class Tracing {

    /** The span attribute that names the merchant of a Daraja call. */
    public static final String MERCHANT_ATTRIBUTE = "stk.merchant";

    /** The W3C trace context headers. */
    private static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate");

    /**
     * Endpoints without spans: callback and API requests, whose URLs carry callback tokens and searched phone numbers;
     * and the schedulers' ticks (outbox relay, sweeps), which would start several traces a second of an idle instance.
     */
    private static final List<String> UNTRACED = List.of("platform-http:*", "timer:*", "quartz:*");

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
        Map<String, String> properties = new HashMap<>(Map.of(
                "otel.service.name", "stk-bridge",
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
        tracer.setExcludePatterns(String.join(",", UNTRACED));
        tracer.init(context);
        return sdk;
    }

    /** The W3C traceparent of the span current on this thread; null when there is none (tracing off). */
    public static String currentTraceParent() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex() : null;
    }

    /**
     * Names the merchant on the current span, the one whose child is the Daraja call about to be made (Camel's HTTP
     * span carries the endpoint's URL, and nothing of ours). Does nothing when tracing is off.
     */
    public static void merchant(String name) {
        Span.current().setAttribute(MERCHANT_ATTRIBUTE, name);
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
