package io.stkbridge.flow;

import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;

import static io.stkbridge.testing.RawHttp.connect;
import static io.stkbridge.testing.RawHttp.readLine;
import static io.stkbridge.testing.RawHttp.readRestOfResponse;
import static io.stkbridge.testing.RawHttp.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The deadline for receiving a whole request (issue 14, item 4), over raw sockets: a client that trickles a byte every
 * few hundred milliseconds, which the idle timeout never sees as idle, is disconnected on every listener; requests
 * sent at a normal pace, and a keep-alive connection waiting between requests, are left alone. The idle timeout is set
 * far beyond every bound here, so only the deadline can close a connection.
 */
class RequestDeadlineTest {

    static final int DEADLINE_SECONDS = 5;
    static final Duration BOUND = Duration.ofSeconds(90);
    /** Generous: the deadline many times over, on a loaded machine. */
    static final Duration TRICKLE_BOUND = Duration.ofSeconds(DEADLINE_SECONDS * 12L);
    static final int TRICKLE_PAUSE_MILLIS = 300;
    static TestStack stack;
    static int apiPort;
    static int managementPort;

    @BeforeAll
    static void start() {
        apiPort = StkBridgeInstance.freePort();
        stack = TestStack.start(Map.of("stk.api.port", String.valueOf(apiPort),
                "stk.http.idle-timeout-seconds", "3600",
                "stk.http.request-timeout-seconds", String.valueOf(DEADLINE_SECONDS)));
        managementPort = Integer.parseInt(stack.app.managementBaseUrl().replaceAll(".*:", ""));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void aClientTricklingItsHeadersIsDisconnectedOnEveryListener() throws Exception {
        for (int port : new int[] {stack.app.httpPort(), apiPort, managementPort}) {
            try (Socket socket = connect(port)) {
                write(socket, "GET /api/openapi.json HTTP/1.1\r\nHost: localhost\r\nX-Padding: ");
                trickleUntilClosed(socket, port + " (headers)");
            }
        }
    }

    @Test
    void aClientTricklingItsBodyIsDisconnectedOnTheCallbackAndApiPorts() throws Exception {
        for (String target : new String[] {stack.app.httpPort() + " " + stack.callbackPath("some-attempt"),
                apiPort + " /api/attempts/some-attempt/query"}) {
            String[] portAndPath = target.split(" ");
            try (Socket socket = connect(Integer.parseInt(portAndPath[0]))) {
                write(socket, "POST " + portAndPath[1] + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 60000\r\n\r\n{\"Body\":\"");
                trickleUntilClosed(socket, target + " (body)");
            }
        }
    }

    @Test
    void aRequestSentInPiecesWithinTheDeadlineIsServed() throws Exception {
        try (Socket socket = connect(apiPort)) {
            String request = "GET /api/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
            int third = request.length() / 3;
            write(socket, request.substring(0, third));
            pause(socket, 200);
            write(socket, request.substring(third, 2 * third));
            pause(socket, 200);
            write(socket, request.substring(2 * third));
            assertEquals("HTTP/1.1 200 OK", readLine(socket));
        }
    }

    @Test
    void aKeepAliveConnectionWaitingLongerThanTheDeadlineBetweenRequestsStaysOpen() throws Exception {
        try (Socket socket = connect(apiPort)) {
            String request = "GET /api/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n";
            write(socket, request);
            assertEquals("HTTP/1.1 200 OK", readLine(socket));
            readRestOfResponse(socket);
            socket.setSoTimeout(DEADLINE_SECONDS * 2 * 1000);
            assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read(),
                    "nothing arrives and the connection is not closed while no request is under way");
            socket.setSoTimeout(30_000);
            write(socket, request);
            assertEquals("HTTP/1.1 200 OK", readLine(socket));
        }
    }

    @Test
    void darajasCallbacksAreReceived() {
        String intentId = stack.pay(100);
        assertEquals("SUCCEEDED", stack.outcomes.awaitFinal(intentId, BOUND).path("status").asText());
    }

    /** Writes one byte per pause until the server closes the connection, or fails after a generous bound. */
    private static void trickleUntilClosed(Socket socket, String what) throws IOException {
        long giveUp = System.nanoTime() + TRICKLE_BOUND.toNanos();
        while (System.nanoTime() < giveUp) {
            try {
                write(socket, "a");
                if (!pause(socket, TRICKLE_PAUSE_MILLIS)) {
                    return;
                }
            } catch (IOException closed) {
                return;                         // reset: the server closed it and this byte found no one
            }
        }
        fail(what + ": a client trickling a byte every " + TRICKLE_PAUSE_MILLIS + " ms still holds its connection after "
                + TRICKLE_BOUND);
    }

    /** Waits up to {@code millis} for the server: true while the connection stays open and silent. */
    private static boolean pause(Socket socket, int millis) throws IOException {
        int before = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            int read = socket.getInputStream().read();
            if (read != -1) {
                throw new AssertionError("the server answered while the request was still being sent: " + (char) read);
            }
            return false;
        } catch (SocketTimeoutException stillOpen) {
            return true;
        } finally {
            socket.setSoTimeout(before);
        }
    }
}
