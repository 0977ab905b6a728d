package io.stkbridge.api;

import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the support console's files from {@code console/} in the jar: a fixed list, so no request path can reach
 * anything else on the class path or the disk (Camel's own static serving also looks in the working directory). The
 * files hold no data; everything the page shows comes from the API, which asks for credentials.
 */
public class ConsoleAssets {

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private static final String SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

    /** {@code path} is the request path, {@code /console/…}; {@code /console} and {@code /console/} are the page itself. */
    public void serve(String path, Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        if ("/console".equals(path)) {
            // the page's relative links need the trailing slash
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
            message.setHeader("Location", "/console/");
            message.setBody("");
            return;
        }
        String name = path == null ? "" : path.replaceFirst("^/*(console)?/*", "");
        if (name.isEmpty()) {
            name = "index.html";
        }
        String type = FILES.get(name);
        if (type == null) {
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, 404);
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
            message.setBody("not found");
            return;
        }
        message.setHeader(Exchange.CONTENT_TYPE, type);
        message.setHeader("Cache-Control", "no-cache");
        message.setHeader("Content-Security-Policy", SECURITY_POLICY);
        message.setHeader("X-Content-Type-Options", "nosniff");
        message.setHeader("Referrer-Policy", "no-referrer");
        message.setBody(loaded.computeIfAbsent(name, ConsoleAssets::load));
    }

    private static byte[] load(String name) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream("console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console/" + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
