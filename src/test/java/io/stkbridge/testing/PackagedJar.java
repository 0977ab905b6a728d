package io.stkbridge.testing;

import io.stkbridge.simulator.DarajaSimulator;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged {@code target/stk-bridge.jar} (built by {@code mvn package}) run as its own process, for the ITs. */
public final class PackagedJar {

    /** {@code bench.jar} names another build for the benchmarks, e.g. a copy of the jar of the commit before a change. */
    public static final Path JAR = Path.of(System.getProperty("bench.jar", "target/stk-bridge.jar"));
    public static final String PASSKEY = DarajaSimulator.SANDBOX_PASSKEY;
    private static final String CONSUMER_KEY = "jar-key";
    private static final String CONSUMER_SECRET = "jar-secret";
    private static final String SHORTCODE = "174379";

    /**
     * Processes this JVM started: any still running when it exits (a test that failed before it stopped its jar) are
     * killed, so that no jar outlives its test run and loads the machine under the next one.
     */
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly), "stop-started-jars"));
    }

    private PackagedJar() {
    }

    /**
     * Starts the jar configured by environment variables only, against the broker, the simulator and an H2 file ledger at
     * {@code ledger} ({@code extra} may name another STK_DB_URL; an empty value unsets a variable), with the image's JVM
     * options, its output in {@code log}; returns once it has started.
     */
    public static Process start(EmbeddedKafka kafka, DarajaSimulator daraja, Path log, Path ledger,
                                Map<String, String> extra) throws Exception {
        // ports are picked free; should another process take one before the jar binds it (the jar then exits 2, saying
        // it could not listen), it starts again on new ones
        for (int tries = 1; ; tries++) {
            Process process = launch(kafka, daraja, log, ledger, extra);
            if (process.isAlive() || tries == 5 || !read(log).contains("could not listen on")) {
                assertTrue(process.isAlive(), read(log));
                return process;
            }
        }
    }

    /** As {@link #start}, once, and returns once the jar has started or exited (a start it refused). */
    public static Process launch(EmbeddedKafka kafka, DarajaSimulator daraja, Path log, Path ledger,
                                 Map<String, String> extra) throws Exception {
        int port = StkBridgeInstance.freePort();
        ProcessBuilder builder = new ProcessBuilder()
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_"));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("DARAJA_BASE_URL", daraja.baseUrl());
        env.put("DARAJA_CONSUMER_KEY", CONSUMER_KEY);
        env.put("DARAJA_CONSUMER_SECRET", CONSUMER_SECRET);
        env.put("DARAJA_SHORTCODE", SHORTCODE);
        env.put("DARAJA_PASSKEY", PASSKEY);
        env.put("STK_CALLBACK_BASE_URL", "http://127.0.0.1:" + port);
        env.put("STK_CALLBACK_SECRET", "jar-callback-secret-0123456789");
        env.put("STK_HTTP_PORT", String.valueOf(port));
        env.put("STK_API_PORT", String.valueOf(StkBridgeInstance.freePort()));
        env.put("STK_MANAGEMENT_PORT", String.valueOf(StkBridgeInstance.freePort()));
        env.put("STK_DB_URL", "jdbc:h2:file:" + ledger);
        env.put("STK_TOPIC_INTENTS", "shop.payments.intents");
        env.put("STK_TOPIC_OUTCOMES", "shop.payments.outcomes");
        // the JVM as the image runs it (JAVA_OPTS, MALLOC_ARENA_MAX): the ITs check the jar with the memory it is shipped with
        env.putAll(ContainerImage.runtimeEnvironment());
        env.putAll(extra);
        env.values().removeIf(String::isEmpty);
        List<String> command = new ArrayList<>(List.of(javaBin()));
        command.addAll(ContainerImage.javaOptions(env));
        command.addAll(List.of("-jar", JAR.toString()));
        Process process = tracked(builder.command(command).start());
        OutcomeCollector.await(Duration.ofSeconds(60), "stk-bridge to create its topics and start",
                () -> !process.isAlive() || read(log).contains("started in"));
        return process;
    }

    /** A Daraja simulator (not started) that knows the consumer credentials and merchant the jar is started with. */
    public static DarajaSimulator simulator(Duration callbackDelay) {
        return DarajaSimulator.builder().port(0).consumerCredentials(CONSUMER_KEY, CONSUMER_SECRET)
                .merchant(SHORTCODE, PASSKEY).callbackDelay(callbackDelay).build();
    }

    /** {@code process}, killed when this JVM exits should it still run then. */
    public static Process tracked(Process process) {
        STARTED.add(process);
        return process;
    }

    public static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /** The file's text, or "" while it cannot be read. */
    public static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "";
        }
    }
}
