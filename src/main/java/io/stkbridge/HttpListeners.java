package io.stkbridge;

import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.TCPServerBase;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.support.service.ServiceSupport;

import java.util.ArrayList;
import java.util.List;

/**
 * Stops start-up when an HTTP listener could not bind. Camel's Vert.x server only logs a warning ("Failed to start Vert.x
 * HttpServer on …") and the instance would run on without callbacks, or without health and metrics. Added to the context
 * after Camel's HTTP servers, so it starts once they have tried to listen and before any route consumes.
 */
final class HttpListeners extends ServiceSupport {

    private final CamelContext context;
    private final VertxPlatformHttpServer api;
    private final String apiHost;
    private final int apiPort;

    /** @param api the console and API's own server; null when they share the callbacks' */
    HttpListeners(CamelContext context, VertxPlatformHttpServer api, String apiHost, int apiPort) {
        this.context = context;
        this.api = api;
        this.apiHost = apiHost;
        this.apiPort = apiPort;
    }

    @Override
    protected void doStart() {
        List<String> problems = new ArrayList<>();
        MainHttpServer main = context.hasService(MainHttpServer.class);
        if (main != null) {
            check(main.getRouter(), main.getHost(), main.getPort(), "the callback server (STK_HTTP_HOST, STK_HTTP_PORT)",
                    problems);
        }
        if (api != null && (api.getServer() == null || (api.getServer() instanceof TCPServerBase tcp && !tcp.isListening()))) {
            problems.add("the console and API server (STK_API_HOST, STK_API_PORT) could not listen on " + apiHost + ":" + apiPort);
        }
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        if (management != null) {
            check(management.getRouter(), management.getHost(), management.getPort(),
                    "the management server (STK_MANAGEMENT_HOST, STK_MANAGEMENT_PORT)", problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("stk-bridge cannot start: " + String.join("; ", problems)
                    + ". Is another process (a second instance on this host?) using the port? Free it, or set the variable "
                    + "to another port.\n" + Settings.HELP_POINTER);
        }
    }

    private static void check(VertxPlatformHttpRouter router, String host, int port, String which, List<String> problems) {
        HttpServer server = router == null ? null : router.getServer().getServer();
        // Vert.x's HttpServer API has no "is it bound"; its implementation's isListening() turns false when the bind
        // fails (ListenerBindTest fails should a Vert.x upgrade change that)
        if (server == null || (server instanceof TCPServerBase tcp && !tcp.isListening())) {
            problems.add(which + " could not listen on " + host + ":" + port);
        }
    }
}
