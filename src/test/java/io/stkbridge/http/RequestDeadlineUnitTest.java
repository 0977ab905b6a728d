package io.stkbridge.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deadline's clock in a pipeline shaped like Vert.x's, on Netty's embedded channel whose time the test moves: the
 * edge cases a socket test cannot reach without waiting (RequestDeadlineTest covers the real listeners).
 */
class RequestDeadlineUnitTest {

    static final long DEADLINE_MILLIS = 1000;

    @Test
    void aRequestTrickledPastTheDeadlineClosesTheConnection() {
        EmbeddedChannel channel = connection();
        receive(channel, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n1234");
        elapse(channel, DEADLINE_MILLIS / 2);
        receive(channel, "5");
        elapse(channel, DEADLINE_MILLIS / 2);
        assertFalse(channel.isOpen(), "bytes kept coming, but the request was not whole within the deadline");
    }

    @Test
    void theClockStopsAtARequestsEndAndStartsAgainAtTheNextOnesFirstByte() {
        EmbeddedChannel channel = connection();
        receive(channel, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
        elapse(channel, DEADLINE_MILLIS * 5);
        assertTrue(channel.isOpen(), "between requests the idle timeout decides");
        receive(channel, "GET /y HTTP/1.1\r\n");
        elapse(channel, DEADLINE_MILLIS);
        assertFalse(channel.isOpen(), "the second request's head did not arrive within the deadline");
    }

    @Test
    void aConnectionUpgradedAwayFromHttp1IsLeftToTheIdleTimeout() {
        EmbeddedChannel channel = connection();
        receive(channel, "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n\r\n");
        channel.pipeline().remove("httpDecoder");
        receive(channel, "frames of another protocol");
        elapse(channel, DEADLINE_MILLIS * 5);
        assertTrue(channel.isOpen());
    }

    private static EmbeddedChannel connection() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast("httpDecoder", new HttpRequestDecoder());
        RequestDeadline.install(channel.pipeline(), DEADLINE_MILLIS);
        return channel;
    }

    /** Moves the channel's clock on and runs what was due by then. */
    private static void elapse(EmbeddedChannel channel, long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private static void receive(EmbeddedChannel channel, String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
        channel.releaseInbound();
    }
}
