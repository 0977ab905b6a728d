package io.stkbridge.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Duration;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Dispatches on exact path and method, answering 404/405 like Daraja's gateway; logs one line per request. */
final class Router implements HttpHandler {

    interface Endpoint {
        Reply answer(Request request);
    }

    private static final Logger LOG = Logger.getLogger(Router.class.getPackageName());
    /**
     * How long past the keep-alive a request on the same client address and port is taken for one on the idle connection.
     * A client port is free again once its connection is closed (at once, when the server closed it first): much later,
     * the same address may be another connection's.
     */
    private static final Duration SAME_CONNECTION_WITHIN = Duration.ofSeconds(10);

    private final Map<String, Map<String, Endpoint>> endpointsByPath = new HashMap<>();
    private final Ledger ledger;
    /** Null: connections are kept. */
    private final Duration keepAlive;
    /** When each open connection (the client's address and port) last had its answer, when keepAlive is set. */
    private final Map<InetSocketAddress, Long> answeredAtNanos = new ConcurrentHashMap<>();

    Router(Ledger ledger, Duration keepAlive) {
        this.ledger = ledger;
        this.keepAlive = keepAlive;
    }

    Router route(String method, String path, Endpoint endpoint) {
        endpointsByPath.computeIfAbsent(path, p -> new HashMap<>()).put(method, endpoint);
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        long started = System.nanoTime();
        if (expired(exchange.getRemoteAddress(), started)) {
            ledger.countRequestOnExpiredConnection();
            // closing an exchange whose answer was never started closes its connection; the request is not read
            exchange.close();
            return;
        }
        try (exchange) {
            Request request = read(exchange);
            ledger.recordHeaderNames(request.uri().getPath(), request.headers().keySet());
            Reply reply = dispatch(request);
            write(exchange, reply);
            if (keepAlive != null && reply != Reply.CLOSE_CONNECTION) {
                answeredAtNanos.put(exchange.getRemoteAddress(), System.nanoTime());
            }
            LOG.fine(() -> String.format("%s %s -> %d (%d ms)", request.method(), request.uri().getPath(),
                    reply.status(), (System.nanoTime() - started) / 1_000_000));
        } catch (IOException e) {
            LOG.fine(() -> "connection lost while answering: " + e);
        }
    }

    private boolean expired(InetSocketAddress client, long nowNanos) {
        if (keepAlive == null) {
            return false;
        }
        Long answeredAt = answeredAtNanos.remove(client);
        if (answeredAt == null) {
            return false;
        }
        long idle = nowNanos - answeredAt;
        return idle > keepAlive.toNanos() && idle < keepAlive.toNanos() + SAME_CONNECTION_WITHIN.toNanos();
    }

    private Reply dispatch(Request request) {
        Map<String, Endpoint> byMethod = endpointsByPath.get(request.uri().getPath());
        if (byMethod == null) {
            return DarajaError.resourceNotFound().reply();
        }
        Endpoint endpoint = byMethod.get(request.method());
        if (endpoint == null) {
            return DarajaError.methodNotAllowed().reply();
        }
        try {
            return endpoint.answer(request);
        } catch (DarajaError refusal) {
            return refusal.reply();
        } catch (RuntimeException bug) {
            LOG.log(Level.WARNING, "simulator failure on " + request.uri().getPath(), bug);
            return DarajaError.internalServerError().reply();
        }
    }

    private static Request read(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            return new Request(exchange.getRequestMethod(), exchange.getRequestURI(),
                    exchange.getRequestHeaders(), body.readAllBytes());
        }
    }

    private void write(HttpExchange exchange, Reply reply) throws IOException {
        if (reply == Reply.CLOSE_CONNECTION) {
            // closing an exchange whose answer was never started closes its connection
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (reply.bytePause() == null) {
                out.write(reply.body());
            } else {
                trickle(out, reply);
            }
        }
    }

    private void trickle(OutputStream out, Reply reply) throws IOException {
        long started = System.nanoTime();
        try {
            for (byte b : reply.body()) {
                out.write(b);
                out.flush();
                Pause.of(reply.bytePause());
            }
        } catch (IOException cut) {
            ledger.recordTrickleCut(Duration.ofNanos(System.nanoTime() - started));
            throw cut;
        }
    }
}
