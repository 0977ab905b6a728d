package io.stkbridge.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits for every HTTP listener (callbacks, API and console, management): an idle timeout, so that a client that sends
 * headers announcing a large body and then stalls loses its connection; a deadline for receiving a whole request
 * ({@link RequestDeadline}), so that one trickling a byte now and then loses it too; at most so many open connections
 * per listener; HTTP/2 cleartext (h2c) off unless asked for. camel-platform-http-vertx 4.18 builds its servers' HttpServerOptions
 * itself with no way to add these, but it takes the Vert.x instance from the registry: this one hands out servers with
 * the limits applied and is otherwise the real Vert.x.
 */
public final class ListenerLimits {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerLimits.class);

    private final int idleTimeoutSeconds;
    private final int requestTimeoutSeconds;
    private final int maxConnections;
    private final boolean http2Cleartext;

    public ListenerLimits(int idleTimeoutSeconds, int requestTimeoutSeconds, int maxConnections, boolean http2Cleartext) {
        this.idleTimeoutSeconds = idleTimeoutSeconds;
        this.requestTimeoutSeconds = requestTimeoutSeconds;
        this.maxConnections = maxConnections;
        this.http2Cleartext = http2Cleartext;
    }

    /** A Vert.x that is {@code real} except that each HTTP server it creates has these limits. */
    public Vertx applyTo(Vertx real) {
        return (Vertx) Proxy.newProxyInstance(ListenerLimits.class.getClassLoader(), new Class<?>[]{VertxInternal.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("createHttpServer") && method.getReturnType() == HttpServer.class) {
                        HttpServerOptions options = args == null || args.length == 0 ? new HttpServerOptions()
                                : new HttpServerOptions((HttpServerOptions) args[0]);
                        return limited(real.createHttpServer(configured(options)));
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    HttpServerOptions configured(HttpServerOptions options) {
        return options.setIdleTimeout(idleTimeoutSeconds).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHttp2ClearTextEnabled(http2Cleartext);
    }

    private HttpServer limited(HttpServer server) {
        AtomicInteger open = new AtomicInteger();
        AtomicBoolean full = new AtomicBoolean();
        return server.connectionHandler(connection -> {
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                if (full.compareAndSet(false, true)) {
                    // once per episode: a flood of connections must not become a flood of log lines
                    LOG.warn("HTTP connections refused: {} already open on port {} (STK_HTTP_MAX_CONNECTIONS)",
                            maxConnections, connection.localAddress().port());
                }
                connection.close();
                return;
            }
            RequestDeadline.install(connection, TimeUnit.SECONDS.toMillis(requestTimeoutSeconds));
            connection.closeHandler(closed -> {
                if (open.decrementAndGet() < maxConnections) {
                    full.set(false);
                }
            });
        });
    }
}
