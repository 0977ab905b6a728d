package io.stkbridge.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** An HTTP answer, ready to write; with a {@code bytePause}, its body is written one byte at a time, that far apart. */
record Reply(int status, String contentType, byte[] body, Duration bytePause) {

    Reply(int status, String contentType, byte[] body) {
        this(status, contentType, body, null);
    }

    Reply trickled(Duration pause) {
        return new Reply(status, contentType, body, pause);
    }

    static Reply json(int status, JsonNode body) {
        return new Reply(status, "application/json;charset=UTF-8", Json.bytes(body));
    }

    /** Not an answer: the connection is closed after the request was read (the client sees no response). */
    static final Reply CLOSE_CONNECTION = new Reply(0, "", new byte[0]);

    static Reply html(int status, String body) {
        return new Reply(status, "text/html;charset=UTF-8", body.getBytes(StandardCharsets.UTF_8));
    }
}
