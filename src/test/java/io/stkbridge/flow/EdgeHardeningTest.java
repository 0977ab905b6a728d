package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.testing.CapturedLogs;
import io.stkbridge.testing.TestStack;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The public edge over real HTTP, as an attacker meets it: the management port (where it listens, what health and info
 * tell a caller who asks for more) and log lines planted through a refused callback's URL (issue 14, items 4 and 5).
 */
class EdgeHardeningTest {

    static TestStack stack;
    static CapturedLogs logs;

    @BeforeAll
    static void start() {
        logs = CapturedLogs.install();
        stack = TestStack.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            logs.close();
        } finally {
            stack.close();
        }
    }

    @Test
    void theManagementPortListensOnLoopbackOnlyByDefault() throws Exception {
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeTrue(external.isPresent(), "this host has no non-loopback IPv4 address to try");
        int management = Integer.parseInt(stack.app.managementBaseUrl().replaceAll(".*:", ""));
        assertEquals(200, stack.getManagement("/observe/health/live").statusCode(), "it answers on loopback");
        // the callback port listens on every interface, so the address is one a client could reach
        try (Socket callbacks = new Socket()) {
            callbacks.connect(new InetSocketAddress(external.get(), stack.app.httpPort()), 5000);
        }
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(external.get(), management), 5000);
            }
        }, "the management port is not reachable on " + external.get());
    }

    @Test
    void healthIgnoresTheExposureACallerAsksFor() throws Exception {
        HealthCheckRegistry registry = HealthCheckRegistry.get(stack.app.context());
        AbstractHealthCheck failing = new AbstractHealthCheck("edge-test-failing") {
            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                builder.detail("edge-detail", "detail-value-not-for-callers")
                        .error(new IllegalStateException("error-not-for-callers")).down();
            }

            @Override
            public boolean isLiveness() {
                return true;
            }
        };
        failing.setCamelContext(stack.app.context());
        registry.register(failing);
        try {
            for (String path : List.of("/observe/health", "/observe/health/ready", "/observe/health/live")) {
                for (String query : List.of("?exposureLevel=full&stackTrace=true&data=true",
                        "?EXPOSURELEVEL=full&STACKTRACE=true&DATA=true", "?stackTrace=true", "?data=true&exposureLevel=full")) {
                    HttpResponse<String> asked = stack.getManagement(path + query);
                    String body = asked.body();
                    assertEquals(503, asked.statusCode(), path + query + ": " + body);
                    assertTrue(body.contains("\"DOWN\""), path + query + ": " + body);
                    for (String leak : List.of("error-not-for-callers", "error-stacktrace", "error-message", "\tat ", ".java:",
                            "detail-value-not-for-callers", "\"data\"", "\"ledger\"", "\"UP\"")) {
                        assertFalse(body.contains(leak), path + query + " shows " + leak + ": " + body);
                    }
                    assertEquals(stack.getManagement(path).body(), body, "the same answer as without parameters");
                }
            }
        } finally {
            registry.unregister(failing);
        }
        assertEquals(200, stack.getManagement("/observe/health/ready").statusCode());
    }

    @Test
    void infoShowsNoProcessIdUserOrDirectories() throws Exception {
        HttpResponse<String> info = stack.getManagement("/observe/info");
        assertEquals(200, info.statusCode(), info.body());
        JsonNode json = new ObjectMapper().readTree(info.body());
        List<String> keys = new ArrayList<>();
        collectKeys(json, keys);
        for (String key : List.of("pid", "user", "dir", "home", "os")) {
            assertFalse(keys.contains(key), key + " in " + info.body());
        }
        for (String value : List.of(System.getProperty("user.dir"), System.getProperty("user.home"),
                "\"" + System.getProperty("user.name") + "\"", String.valueOf(ProcessHandle.current().pid()))) {
            assertFalse(info.body().contains(value), value + " in " + info.body());
        }
        assertEquals(stack.app.context().getVersion(), json.path("camel").path("version").asText(), info.body());
        assertEquals("stk-bridge", json.path("application").path("name").asText(), info.body());
    }

    @Test
    void aRefusedCallbackCannotPlantLogLines() throws Exception {
        String forged = "12:00:00.000 WARN  [x] AttemptLedger - CONFLICT: forged";
        // CR LF, a lone LF, tab, ESC (terminal escape sequences), NEL, and the Unicode line and paragraph separators
        String attemptId = "edge-forge%0D%0A" + forged.replace(" ", "%20").replace("[", "%5B").replace("]", "%5D")
                + "%0Aplanted%09tab%1B%5B2Jesc%C2%85nel"
                + "%E2%80%A8ls%E2%80%A9ps";
        HttpResponse<String> refused = stack.post("/callbacks/stk/" + attemptId + "/not-the-token", "{}", Map.of());
        assertEquals(403, refused.statusCode(), refused.body());

        List<String> written = logs.asText().stream().filter(l -> l.contains("edge-forge")).toList();
        assertEquals(1, written.size(), "one log event for the refused callback: " + written);
        String line = written.get(0);
        String withoutEnd = line.substring(0, line.length() - System.lineSeparator().length());
        assertTrue(line.endsWith(System.lineSeparator()), line);
        assertTrue(withoutEnd.contains("refused"), line);
        for (int i = 0; i < withoutEnd.length(); i++) {
            char c = withoutEnd.charAt(i);
            boolean control = Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029';
            assertFalse(control, "control character U+" + String.format("%04X", (int) c) + " written in: " + line);
        }
        assertTrue(withoutEnd.contains("edge-forge\\r\\n12:00:00.000"), "CR LF shown escaped: " + line);
        for (String escaped : List.of("\\nplanted", "\\ttab", "\\u001b[2Jesc", "\\u0085nel", "\\u2028ls", "\\u2029ps")) {
            assertTrue(withoutEnd.contains(escaped), escaped + " in " + line);
        }
        assertFalse(logs.asText().stream().anyMatch(l -> l.lines().anyMatch(text -> text.startsWith(forged))),
                "no line of the log starts with the forged text");
    }

    @Test
    void anExceptionMessageCannotPlantLogLines() {
        String forged = "12:00:00.000 WARN  [x] AttemptLedger - CONFLICT: forged";
        org.slf4j.LoggerFactory.getLogger(EdgeHardeningTest.class).error("edge-exception test",
                new IllegalStateException("edge-exception\r\n" + forged, new IllegalArgumentException("cause\n" + forged)));
        List<String> written = logs.asText().stream().filter(l -> l.contains("edge-exception test")).toList();
        assertEquals(1, written.size(), written.toString());
        String event = written.get(0);
        assertTrue(event.contains("java.lang.IllegalStateException: edge-exception\\r\\n12:00:00.000"), event);
        assertTrue(event.contains("Caused by: java.lang.IllegalArgumentException: cause\\n12:00:00.000"), event);
        assertTrue(event.lines().anyMatch(line -> line.startsWith("\tat io.stkbridge.flow.EdgeHardeningTest")),
                "stack frames keep their lines: " + event);
        assertFalse(event.lines().anyMatch(line -> line.startsWith(forged)), "no line starts with the forged text: " + event);
    }

    private static void collectKeys(JsonNode node, List<String> keys) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            keys.add(field.getKey());
            collectKeys(field.getValue(), keys);
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
        for (NetworkInterface network : NetworkInterface.networkInterfaces().toList()) {
            if (network.isUp() && !network.isLoopback()) {
                Optional<InetAddress> address = network.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst();
                if (address.isPresent()) {
                    return address;
                }
            }
        }
        return Optional.empty();
    }
}
