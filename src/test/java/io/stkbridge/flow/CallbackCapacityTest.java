package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14's load: while 200 clients keep sending wrong passwords (throttling off, as from 200 addresses) and 500 slow
 * connections hold the API's port, Daraja's callbacks are still answered on theirs. Sign-ins hash at most STK_API_SIGNIN_CONCURRENCY
 * passwords at once and refuse the rest at once (503), so they cannot take the worker threads and CPUs callbacks need.
 * The callback latencies are printed (BENCHMARKS.md), not asserted: the machine's load is not the test's to decide.
 */
class CallbackCapacityTest {

    static final int GUESSERS = 200;
    static final int SLOW_CONNECTIONS = 500;
    static final int CALLBACKS = 20;
    static final Duration BOUND = Duration.ofSeconds(60);
    static TestStack stack;
    static int apiPort;

    @BeforeAll
    static void start() {
        apiPort = StkBridgeInstance.freePort();
        stack = TestStack.start(Map.of("stk.api.port", String.valueOf(apiPort), "stk.api.signin-max-failures", "0",
                "stk.http.idle-timeout-seconds", "300", "stk.http.max-connections", "2000",
                // the slow connections are to be held for the whole measurement, not cut off by the request deadline
                "stk.http.request-timeout-seconds", "300"));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void callbacksAreAnsweredWhileWrongPasswordsAndSlowConnectionsHitThePort() throws Exception {
        String intentId = stack.pay(100);
        JsonNode paid = stack.outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", paid.path("status").asText());
        String path = stack.callbackPath(paid.path("attemptId").asText());
        // Daraja's callback again: stored in the inbox and answered like any callback (ALREADY_FINAL)
        String callback = TestStack.successCallback(paid.path("checkoutRequestId").asText(), 100, "254708374149");
        HttpClient daraja = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(BOUND).build();
        List<Long> quiet = callbackLatencies(daraja, path, callback);

        List<Socket> slow = new ArrayList<>();
        ExecutorService guessers = Executors.newFixedThreadPool(GUESSERS);
        AtomicBoolean flooding = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                slow.add(stall(apiPort));
            }
            HttpClient attacker = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(BOUND).build();
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < GUESSERS; i++) {
                int guesser = i;
                running.add(guessers.submit(() -> {
                    while (flooding.get()) {
                        int status = guess(attacker, "guess-" + guesser);
                        answers.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            await(BOUND, "the flood under way", () -> answers.values().stream().mapToInt(AtomicInteger::get).sum() >= GUESSERS * 2);
            List<Long> flooded = callbackLatencies(daraja, path, callback);
            flooding.set(false);
            for (Future<?> loop : running) {
                loop.get(BOUND.toSeconds(), TimeUnit.SECONDS);
            }

            System.out.printf("CallbackCapacityTest: callbacks quiet median %d ms, max %d ms; under %d wrong-password clients "
                            + "and %d slow connections median %d ms, max %d ms; sign-in answers %s%n", median(quiet),
                    Collections.max(quiet), GUESSERS, SLOW_CONNECTIONS, median(flooded), Collections.max(flooded), answers);
            assertTrue(answers.getOrDefault(503, new AtomicInteger()).get() > 0,
                    "sign-ins beyond the hashing slots are refused at once: " + answers);
            assertEquals(Map.of(), answers.entrySet().stream().filter(e -> e.getKey() != 401 && e.getKey() != 503)
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())), "only 401 and 503");
        } finally {
            flooding.set(false);
            guessers.shutdownNow();
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    /** {@link #CALLBACKS} callbacks one after the other; each must be answered 200. */
    private static List<Long> callbackLatencies(HttpClient client, String path, String body) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < CALLBACKS; i++) {
            long start = System.nanoTime();
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(stack.app.httpBaseUrl() + path))
                    .timeout(BOUND).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertEquals(200, answer.statusCode(), answer.body());
        }
        return millis;
    }

    private static int guess(HttpClient client, String user) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/api/me")).timeout(BOUND)
                            .headers(TestStack.basic(user, "wrong-password").entrySet().stream()
                                    .flatMap(h -> java.util.stream.Stream.of(h.getKey(), h.getValue())).toArray(String[]::new))
                            .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -2;
        }
    }

    /** A connection that announces a body and never sends it. */
    private static Socket stall(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
        socket.getOutputStream().write(("POST /api/attempts/x/query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 60000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
