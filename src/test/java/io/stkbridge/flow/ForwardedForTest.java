package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An attacker's requests over real HTTP against the callback source allowlist behind a trusted proxy: only Safaricom's
 * address, as the trusted proxy saw it, gets a callback in. The proxy is played from 127.0.0.2 (a socket bound to it),
 * anybody else from 127.0.0.1.
 */
class ForwardedForTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String SAFARICOM = "196.201.214.200";
    static final String PROXY = "127.0.0.2";
    static final String ELSEWHERE = "127.0.0.1";
    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of("stk.callback.allowed-ips", SAFARICOM, "stk.http.trusted-proxies", PROXY));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void onlySafaricomAsTheTrustedProxySawItGetsACallbackIn() throws Exception {
        stack.daraja.dropCallbacks(true);
        String intentId = stack.pay(7000);
        await(BOUND, "ACCEPTED", () -> !stack.outcomes.eventsOf(intentId).isEmpty());
        JsonNode accepted = stack.outcomes.eventsOf(intentId).get(0);
        String path = stack.callbackPath(accepted.path("attemptId").asText());
        String cancelled = """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":1032,
                 "ResultDesc":"Request cancelled by user"}}}""".formatted(accepted.path("checkoutRequestId").asText());

        assertEquals(403, post(ELSEWHERE, path, SAFARICOM, cancelled), "a peer that is no trusted proxy cannot claim an address");
        assertEquals(403, post(PROXY, path, SAFARICOM + ", 6.6.6.6", cancelled),
                "the attacker wrote Safaricom's address; the proxy appended the attacker's");
        assertEquals(403, post(PROXY, path + "?X-Forwarded-For=" + SAFARICOM, null, cancelled),
                "a query parameter is no header");
        assertEquals(403, post(PROXY, path, null, cancelled), "the proxy itself is not Safaricom");
        assertEquals(Status.ACCEPTED, stack.ledger().findByIntent(intentId).orElseThrow().status(), "nothing applied");

        String paid = TestStack.successCallback(accepted.path("checkoutRequestId").asText(), 7000, "254708374149");
        assertEquals(200, post(PROXY, path, "6.6.6.6, " + SAFARICOM, paid), "Safaricom, as the trusted proxy saw it");
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
    }

    @Test
    void apiCredentialsAreReadFromHeadersNeverFromTheQueryString() throws Exception {
        assertEquals(200, stack.get("/api/me", Map.of("X-Api-Key", TestStack.READER_KEY)).statusCode());
        assertEquals(401, stack.get("/api/me?X-Api-Key=" + TestStack.READER_KEY, Map.of()).statusCode());
        String basic = TestStack.basic(TestStack.READER_USER, TestStack.CONSOLE_PASSWORD).get("Authorization").replace(" ", "%20");
        assertEquals(401, stack.get("/api/me?Authorization=" + basic, Map.of()).statusCode());
    }

    /** A POST from a socket bound to {@code from}, with the X-Forwarded-For header as given (none when null). */
    private static int post(String from, String path, String forwardedFor, String body) throws Exception {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), stack.app.httpPort()), 10_000);
            socket.setSoTimeout(30_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + content.length + "\r\nConnection: close\r\n"
                    + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n") + "\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
        }
    }
}
