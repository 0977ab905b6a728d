package io.stkbridge.flow;

import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Callbacks alone on the public port, the console and API on a port of their own (issue 14, item 3): each door serves
 * only its own routes, and payments still complete through Daraja's callbacks.
 */
class SeparateDoorsTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static TestStack stack;
    static int apiPort;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        apiPort = StkBridgeInstance.freePort();
        stack = TestStack.start(Map.of("stk.api.port", String.valueOf(apiPort)));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void theConsoleAndApiAreServedOnTheirOwnPortOnly() throws Exception {
        for (String path : java.util.List.of("/api/openapi.json", "/console/", "/api/me")) {
            assertEquals(200, get(apiPort, path), "API port: " + path);
            assertEquals(404, get(stack.app.httpPort(), path), "callback port: " + path);
        }
    }

    @Test
    void callbacksAreServedOnThePublicPortOnly() throws Exception {
        String intentId = stack.pay(100);
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText(),
                "Daraja's callback reached the callback port");
        HttpResponse<String> onApiPort = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
                        + stack.callbackPath("some-attempt"))).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, onApiPort.statusCode(), "no callbacks on the API port");
    }

    private static int get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-Api-Key", TestStack.READER_KEY).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
