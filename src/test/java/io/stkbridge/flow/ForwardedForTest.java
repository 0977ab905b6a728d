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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attacker's requests over real HTTP against the callback source allowlist behind a trusted proxy: only Safaricom's
 * address, as the trusted proxy saw it, gets a callback in; failed API sign-ins are throttled per client, found by
 * the same rule, and per user name. The proxy is played from 127.0.0.2 (a socket bound to it), anybody else from
 * 127.0.0.1.
 */
class ForwardedForTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String SAFARICOM = "196.201.214.200";
    static final String PROXY = "127.0.0.2";
    static final String ELSEWHERE = "127.0.0.1";
    static final int MAX_FAILURES = 5;
    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of("stk.callback.allowed-ips", SAFARICOM, "stk.http.trusted-proxies", PROXY,
                "stk.api.signin-max-failures", String.valueOf(MAX_FAILURES)));
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

    @Test
    void failedSignInsAreThrottledPerClientAsTheTrustedProxySawIt() throws Exception {
        String attacker = "198.51.100.7";
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertEquals(401, status(signIn(attacker, "guess-" + i, "wrong-password")), "guess " + i);
        }
        String refused = signIn(attacker, TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD);
        assertEquals(429, status(refused), "refused before the credential is even checked: " + refused);
        long retryAfter = Long.parseLong(header(refused, "Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 301, refused);
        assertTrue(refused.contains("{\"error\":\"too many failed sign-ins, try again later\"}"), refused);
        assertEquals(429, status(signIn("198.51.100.99, " + attacker, TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD)),
                "an address the attacker wrote in front of the proxy's entry changes nothing");
        assertEquals(200, status(signIn("198.51.100.8", TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD)),
                "another client signs in");
    }

    @Test
    void failedSignInsAreThrottledPerUserNameFromAnyClient() throws Exception {
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertEquals(401, status(signIn("198.51.100." + (20 + i), TestStack.READER_USER, "wrong-password-" + i)));
        }
        String fresh = "198.51.100.40";
        assertEquals(429, status(signIn(fresh, TestStack.READER_USER, TestStack.CONSOLE_PASSWORD)),
                "the user name is throttled whichever address guesses");
        assertEquals(200, status(signIn(fresh, TestStack.OPERATOR_USER, TestStack.CONSOLE_PASSWORD)),
                "the client is not: its other user signs in");
    }

    /** GET /api/me from the trusted proxy, for the client it names, with HTTP Basic; the whole answer. */
    private static String signIn(String forwardedFor, String user, String password) throws Exception {
        return request(PROXY, "GET /api/me", forwardedFor, TestStack.basic(user, password), null);
    }

    /** A POST from a socket bound to {@code from}, with the X-Forwarded-For header as given (none when null). */
    private static int post(String from, String path, String forwardedFor, String body) throws Exception {
        return status(request(from, "POST " + path, forwardedFor, Map.of("Content-Type", "application/json"), body));
    }

    private static String request(String from, String requestLine, String forwardedFor, Map<String, String> headers,
                                  String body) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), stack.app.httpPort()), 10_000);
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    .append("Content-Length: ").append(content.length).append("\r\nConnection: close\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            if (forwardedFor != null) {
                head.append("X-Forwarded-For: ").append(forwardedFor).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String answer) {
        return Integer.parseInt(answer.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }

    private static String header(String answer, String name) {
        return answer.lines().takeWhile(line -> !line.isEmpty())
                .filter(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(line -> line.substring(name.length() + 1).trim()).findFirst().orElse("");
    }
}
