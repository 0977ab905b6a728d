package io.stkbridge.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A total deadline for receiving one HTTP/1.x request, head and body: it starts with the request's first byte and ends
 * when Netty's decoder has read the request's last byte. The idle timeout resets on every byte, so a client trickling
 * a byte now and then (slowloris) would otherwise hold its connection for ever; this closes it. Vert.x 4 has no such
 * option, so two handlers go around the decoder Vert.x puts in each connection's pipeline: the one before it sees raw
 * bytes (a request has begun), the one after it sees the decoded end of a request. Between requests a keep-alive
 * connection is left to the idle timeout, and so is a connection upgraded away from HTTP/1.x (h2c, WebSocket).
 */
final class RequestDeadline {

    private static final Logger LOG = LoggerFactory.getLogger(RequestDeadline.class);
    /** The name Vert.x 4 gives the HTTP/1.x request decoder in a server connection's pipeline. */
    private static final String DECODER = "httpDecoder";
    private static final String BEGINS = "stkRequestBegins";
    private static final String ENDS = "stkRequestEnds";

    private final long timeoutMillis;
    /** Only touched on the connection's event loop, where every handler of its pipeline runs. */
    private ScheduledFuture<?> deadline;

    private RequestDeadline(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Puts the deadline on an HTTP/1.x connection. HTTP/2 connections (only with STK_HTTP2_CLEARTEXT) have no such
     * decoder and are left to the idle timeout alone.
     */
    static void install(HttpConnection connection, long timeoutMillis) {
        install(((ConnectionBase) connection).channel().pipeline(), timeoutMillis);
    }

    static void install(ChannelPipeline pipeline, long timeoutMillis) {
        if (pipeline.get(DECODER) == null) {
            return;
        }
        RequestDeadline deadline = new RequestDeadline(timeoutMillis);
        pipeline.addBefore(DECODER, BEGINS, deadline.new Begins());
        pipeline.addAfter(DECODER, ENDS, deadline.new Ends());
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private final class Begins extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.pipeline().get(DECODER) == null) {
                // upgraded (h2c, WebSocket): no more HTTP/1.x requests whose end could stop the clock
                cancel();
                if (ctx.pipeline().get(ENDS) != null) {
                    ctx.pipeline().remove(ENDS);
                }
                ctx.pipeline().remove(this);
            } else if (deadline == null) {
                deadline = ctx.executor().schedule(() -> {
                    LOG.debug("HTTP request not received within {} ms on port {}: connection closed "
                            + "(STK_HTTP_REQUEST_TIMEOUT_SECONDS)", timeoutMillis, ctx.channel().localAddress());
                    ctx.channel().close();
                }, timeoutMillis, TimeUnit.MILLISECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }
    }

    private final class Ends extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof LastHttpContent) {
                cancel();
            }
            ctx.fireChannelRead(msg);
        }
    }
}
