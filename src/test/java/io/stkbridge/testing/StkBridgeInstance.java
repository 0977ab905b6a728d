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

    /**
     * @param properties configuration properties (as application.properties keys)
     * @param secrets    the secret environment variables (DARAJA_CONSUMER_SECRET …), given as the environment would
     */
    public static StkBridgeInstance start(Map<String, String> properties, Map<String, String> secrets) {
        Map<String, String> all = new LinkedHashMap<>(properties);
        int port = all.containsKey("camel.server.port") ? Integer.parseInt(all.get("camel.server.port")) : freePort();
        all.put("camel.server.port", String.valueOf(port));
        all.putIfAbsent("camel.management.port", String.valueOf(freePort()));
        all.putIfAbsent("stk.callback.base-url", "http://127.0.0.1:" + port);
        Main main = new Main();
        main.configure().addConfiguration(new StkBridgeConfiguration(secrets, Clock.systemUTC()));
        all.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception e) {
            main.stop();
            throw new IllegalStateException("stk-bridge did not start", e);
        }
        return new StkBridgeInstance(main, port);
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
