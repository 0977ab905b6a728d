package io.stkbridge.flow;

import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.RawHttp.connect;
import static io.stkbridge.testing.RawHttp.readLine;
import static io.stkbridge.testing.RawHttp.readUntilClosed;
import static io.stkbridge.testing.RawHttp.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every listener's limits over raw sockets, as a slow or greedy client meets them (issue 14, item 4): a client that
 * announces a large body and stalls is disconnected, connections beyond the limit are closed unanswered, and an HTTP/2
 * cleartext upgrade is not honoured.
 */
class ListenerLimitsTest {

    static final int IDLE_SECONDS = 8;
    static final int MAX_CONNECTIONS = 20;
    static TestStack stack;

    @BeforeAll
    static void start() {
        // the request deadline far off, so that only the idle timeout can close a stalled connection here
        stack = TestStack.start(Map.of("stk.http.idle-timeout-seconds", String.valueOf(IDLE_SECONDS),
                "stk.http.request-timeout-seconds", "3600", "stk.http.max-connections", String.valueOf(MAX_CONNECTIONS)));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void aClientThatAnnouncesALargeBodyAndStallsIsDisconnectedOnEveryListener() throws Exception {
        int management = Integer.parseInt(stack.app.managementBaseUrl().replaceAll(".*:", ""));
        for (int port : List.of(stack.app.httpPort(), management)) {
            try (Socket slow = connect(port)) {
                write(slow, "POST /callbacks/stk/attempt/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 60000\r\n\r\n{\"Body\":");
                // generous: the idle timeout, several times over, on a loaded machine
                slow.setSoTimeout(IDLE_SECONDS * 6 * 1000);
                try {
                    String answer = readUntilClosed(slow);
                    assertFalse(answer.startsWith("HTTP/1.1 200"), answer);
                } catch (SocketTimeoutException stillOpen) {
                    fail("port " + port + ": a stalled request still holds its connection");
                }
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedUnanswered() throws Exception {
        List<Socket> held = new ArrayList<>();
        int served = 0;
        try {
            // the harness may hold a connection of its own: the limit is reached at the latest by connection MAX + 1
            for (int i = 0; i <= MAX_CONNECTIONS; i++) {
                Socket socket = connect(stack.app.httpPort());
                held.add(socket);
                String status;
                try {
                    write(socket, "GET /api/openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    status = readLine(socket);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("connection " + i + " neither served nor closed", e);
                } catch (IOException reset) {
                    status = "";
                }
                if (status.isEmpty()) {
                    break;
                }
                assertEquals("HTTP/1.1 200 OK", status);
                served++;
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        assertTrue(served >= MAX_CONNECTIONS - 2 && served < MAX_CONNECTIONS + 1,
                "the connection after the limit was closed unanswered; served: " + served);
        assertEquals(200, stack.get("/api/openapi.json", Map.of()).statusCode(), "served again once they are closed");
    }

    @Test
    void anHttp2CleartextUpgradeIsNotHonoured() throws Exception {
        try (Socket socket = connect(stack.app.httpPort())) {
            write(socket, "GET /api/openapi.json HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            String status = readLine(socket);
            assertEquals("HTTP/1.1 200 OK", status, "answered as HTTP/1.1, not switched to h2c");
        }
    }
}
