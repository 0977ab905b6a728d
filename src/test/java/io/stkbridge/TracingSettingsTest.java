package io.stkbridge;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tracing is off unless OTEL_* name a trace exporter or an OTLP endpoint; the OTLP exporter is in the jar. */
class TracingSettingsTest {

    @Test
    void offUnlessAnExporterOrAnEndpointIsNamed() {
        assertFalse(Tracing.requested(Map.of()));
        assertFalse(Tracing.requested(Map.of("OTEL_SERVICE_NAME", "payments")));
        assertFalse(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")));
        assertFalse(Tracing.requested(Map.of("OTEL_SDK_DISABLED", "true", "OTEL_TRACES_EXPORTER", "otlp")));
        assertTrue(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")));
        assertTrue(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")));
        assertTrue(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "otlp")));
    }

    @Test
    void theOtlpExporterStartsOverHttpWithTheJdkClient() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            // the untraced endpoints name the query-requests topic by its placeholder, as the routes do
            context.getPropertiesComponent().addInitialProperty("stk.topic.query-requests", "stk.query-requests");
            assertNull(Tracing.start(context, Map.of()));
            OpenTelemetrySdk sdk = Tracing.start(context, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1",
                    "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
            assertNotNull(sdk);
            sdk.close();
        }
    }
}
