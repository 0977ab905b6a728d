package io.stkbridge;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.json.JsonObject;

/**
 * What the management port tells a caller. Camel's health endpoints let the caller choose the exposure
 * ({@code ?exposureLevel=full&stackTrace=true&data=true}: every check's details and stack traces); here every query
 * parameter of a health request is dropped before Camel reads it, so the configured {@code camel.health.exposure-level}
 * is what applies. Camel's info endpoint (switched off in application.properties) shows the PID, the OS user and the
 * working and home directories; this one shows the application's and Camel's names and versions and the state only.
 * Added to the context after Camel's management server, so its router exists when this starts. Camel's server listens
 * (and its health handlers answer) a moment before this service adds its routes, early in start-up, before any route
 * has started; there is no hook to add them before Camel's server starts listening.
 */
final class ManagementEndpoints extends ServiceSupport {

    private final CamelContext context;

    ManagementEndpoints(CamelContext context) {
        this.context = context;
    }

    @Override
    protected void doStart() {
        ManagementHttpServer management = context.hasService(ManagementHttpServer.class);
        if (management == null) {
            return; // camel.management.enabled=false
        }
        Router router = management.getRouter();
        if (router == null) {
            throw new IllegalStateException("the management server has not started: its health and info cannot be restricted");
        }
        // before Camel's own routes on these paths (which are in insertion order, from 0)
        router.route(management.getHealthPath() + "*").order(Integer.MIN_VALUE).handler(request -> {
            request.request().params().clear();
            request.next();
        });
        router.route(management.getInfoPath()).order(Integer.MIN_VALUE).method(HttpMethod.GET)
                .handler(request -> request.response().putHeader("content-type", "application/json").end(info()));
    }

    private String info() {
        JsonObject application = new JsonObject();
        application.put("name", context.getName());
        String version = Application.class.getPackage().getImplementationVersion();
        application.put("version", version == null ? "development" : version);
        application.put("status", context.getStatus().name());
        application.put("uptime", context.getUptime().toString());
        JsonObject camel = new JsonObject();
        camel.put("version", context.getVersion());
        JsonObject info = new JsonObject();
        info.put("application", application);
        info.put("camel", camel);
        return info.toJson();
    }
}
