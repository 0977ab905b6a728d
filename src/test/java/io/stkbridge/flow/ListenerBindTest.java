package io.stkbridge.flow;

import io.stkbridge.ConfigurationException;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A port stk-bridge must listen on is taken (seen: a second instance on one host): start-up stops and says which port
 * and which variable, instead of running on without callbacks or without health and metrics. No broker is needed: it
 * stops before any route consumes.
 */
class ListenerBindTest {

    @Test
    void aTakenManagementPortStopsStartUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String message = startFailure(Map.of("camel.management.port", String.valueOf(taken.getLocalPort())));
            assertTrue(message.contains("the management server (STK_MANAGEMENT_HOST, STK_MANAGEMENT_PORT) could not listen on "
                    + "127.0.0.1:" + taken.getLocalPort()), message);
        }
    }

    @Test
    void aTakenCallbackPortStopsStartUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            String message = startFailure(Map.of("camel.server.port", String.valueOf(taken.getLocalPort())));
            assertTrue(message.contains("the callback server (STK_HTTP_HOST, STK_HTTP_PORT) could not listen on "
                    + "0.0.0.0:" + taken.getLocalPort()), message);
        }
    }

    @Test
    void aTakenApiPortStopsStartUp() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            String message = startFailure(Map.of("stk.api.port", String.valueOf(taken.getLocalPort())));
            assertTrue(message.contains("the console and API server (STK_API_HOST, STK_API_PORT) could not listen on "
                    + "0.0.0.0:" + taken.getLocalPort()), message);
        }
    }

    private static String startFailure(Map<String, String> port) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "kafka.bootstrap-servers", "127.0.0.1:1",
                "stk.kafka.create-topics", "false",
                "daraja.base-url", "http://127.0.0.1:1",
                "daraja.shortcode", "174379",
                "stk.db.url", "jdbc:h2:mem:bind-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
        properties.putAll(port);
        Map<String, String> secrets = Map.of(
                "DARAJA_CONSUMER_KEY", "test-key",
                "DARAJA_CONSUMER_SECRET", TestStack.CONSUMER_SECRET,
                "DARAJA_PASSKEY", TestStack.PASSKEY,
                "STK_CALLBACK_SECRET", TestStack.CALLBACK_SECRET);
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> StkBridgeInstance.start(properties, secrets).close());
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConfigurationException) {
                return cause.getMessage();
            }
        }
        assertNotNull(null, "not a start-up error naming the port: " + failure);
        return "";
    }
}
