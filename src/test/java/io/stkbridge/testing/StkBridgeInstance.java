package io.stkbridge.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.StkBridgeConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/** The real stk-bridge (Camel Main, the real route files) started in this JVM with the given properties. */
public final class StkBridgeInstance implements AutoCloseable {

    private final Main main;
    private final int httpPort;

    private StkBridgeInstance(Main main, int httpPort) {
        this.main = main;
        this.httpPort = httpPort;
    }

    /** How many times start-up is tried with new ports when another process took a port picked for it. */
    private static final int PORT_TRIES = 5;

    /**
     * Starts stk-bridge. The HTTP and management ports not given are picked free ({@link #freePort()}); since another
     * process may take a picked port before stk-bridge binds it, start-up that fails because a picked port could not
     * be listened on is tried again with new ones. Ports given are used as they are.
     *
     * @param properties configuration properties (as application.properties keys)
     * @param secrets    the secret environment variables (DARAJA_CONSUMER_SECRET …), given as the environment would
     */
    public static StkBridgeInstance start(Map<String, String> properties, Map<String, String> secrets) {
        for (int tries = 1; ; tries++) {
            Map<String, String> all = new LinkedHashMap<>(properties);
            Integer pickedPort = all.containsKey("camel.server.port") ? null : freePort();
            Integer pickedManagementPort = all.containsKey("camel.management.port") ? null : freePort();
            int port = pickedPort != null ? pickedPort : Integer.parseInt(all.get("camel.server.port"));
            all.put("camel.server.port", String.valueOf(port));
            if (pickedManagementPort != null) {
                all.put("camel.management.port", String.valueOf(pickedManagementPort));
            }
            all.putIfAbsent("stk.callback.base-url", "http://127.0.0.1:" + port);
            // the console and API on the callbacks' port unless a test gives them their own
            all.putIfAbsent("stk.api.port", String.valueOf(port));
            Main main = new Main();
            main.configure().addConfiguration(new StkBridgeConfiguration(secrets, Clock.systemUTC()));
            all.forEach(main::addOverrideProperty);
            try {
                main.start();
                return new StkBridgeInstance(main, port);
            } catch (Exception e) {
                main.stop();
                if (tries < PORT_TRIES && (lost(e, pickedPort) || lost(e, pickedManagementPort))) {
                    continue;                       // another process took a port between picking and binding it
                }
                throw new IllegalStateException("stk-bridge did not start", e);
            }
        }
    }

    /** Whether start-up failed because the given picked port could not be listened on. */
    private static boolean lost(Throwable failure, Integer pickedPort) {
        for (Throwable cause = failure; pickedPort != null && cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("could not listen on") && message.matches("(?s).*could not listen on \\S*:" + pickedPort + "\\b.*")) {
                return true;
            }
        }
        return false;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public int httpPort() {
        return httpPort;
    }

    public String httpBaseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String managementBaseUrl() {
        return "http://127.0.0.1:" + main.getCamelContext().getPropertiesComponent().resolveProperty("camel.management.port").orElseThrow();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops without the graceful shutdown: in-flight exchanges are cut off after one second, as in a crash. */
    public void crash() {
        var shutdown = main.getCamelContext().getShutdownStrategy();
        shutdown.setTimeout(1);
        shutdown.setShutdownNowOnTimeout(true);
        shutdown.setSuppressLoggingOnTimeout(true);
        main.stop();
    }

    /**
     * The first half of a process dying: the instance is cut off from its ledger at once (its connection pools closed,
     * transactions in flight aborted), so nothing it does from now on is recorded. Its claims in the ledger stay behind
     * until their leases expire, and Kafka may already have events it never marked published. Follow with
     * {@link #crash()}.
     */
    public void cutOffFromLedger() {
        for (String pool : new String[] {"dataSource", "callbackDataSource"}) {
            main.getCamelContext().getRegistry().lookupByNameAndType(pool, HikariDataSource.class).close();
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
