package io.stkbridge.http;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;

/**
 * The console and API's own door: routes from {@code platform-http-api:} are served on STK_API_PORT, a Vert.x server of
 * their own, while Daraja's callbacks keep {@code platform-http:} on STK_HTTP_PORT. camel-platform-http-vertx names each
 * server's router after its port, and a platform-http component attaches its routes to the router of its engine's port:
 * a second component whose engine names the API's port is all it takes. With STK_API_PORT equal to STK_HTTP_PORT both
 * share the callbacks' server, as before.
 */
public final class ApiListener {

    public static final String COMPONENT = "platform-http-api";

    private ApiListener() {
    }

    /** @return the API's own server, to be checked for having bound; null when it shares the callbacks' server */
    public static VertxPlatformHttpServer install(CamelContext context, String host, int port, int callbackPort,
                                                  long maxBodySize) throws Exception {
        VertxPlatformHttpServer server = null;
        if (port != callbackPort) {
            VertxPlatformHttpServerConfiguration configuration = new VertxPlatformHttpServerConfiguration();
            configuration.setBindHost(host);
            configuration.setBindPort(port);
            configuration.setPort(port);
            configuration.setMaxBodySize(maxBodySize);
            server = new VertxPlatformHttpServer(configuration);
            server.setCamelContext(context);
            context.addService(server);
        }
        // each component names its server's port: with a third router in the registry, the engine's own guess fails
        context.getComponent("platform-http", PlatformHttpComponent.class).setEngine(engineFor(callbackPort));
        PlatformHttpComponent api = new PlatformHttpComponent(context);
        api.setEngine(engineFor(port));
        context.addComponent(COMPONENT, api);
        return server;
    }

    private static VertxPlatformHttpEngine engineFor(int port) {
        return new VertxPlatformHttpEngine() {
            @Override
            public int getServerPort() {
                return port;
            }
        };
    }
}
