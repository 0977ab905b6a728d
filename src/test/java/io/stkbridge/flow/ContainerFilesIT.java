package io.stkbridge.flow;

import io.stkbridge.testing.ConfigurationVariables;
import io.stkbridge.testing.ContainerImage;
import io.stkbridge.testing.StkBridgeInstance;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs where this is built, so the container files are checked here: the compose file's structure and
 * wiring, and the image's entrypoint commands run on the built jar (with /app mapped to target/).
 */
class ContainerFilesIT {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws Exception {
        return (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(Path.of("docker/compose.yaml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) throws Exception {
        return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(String service) throws Exception {
        return (Map<String, String>) service(service).get("environment");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theComposeStackIsWiredTogether() throws Exception {
        Map<String, Object> services = (Map<String, Object>) compose().get("services");
        assertEquals(Set.of("kafka", "postgres", "daraja-simulator", "stk-bridge"), services.keySet());
        assertTrue(((String) service("kafka").get("image")).startsWith("apache/kafka:"));
        assertTrue(environment("kafka").get("KAFKA_PROCESS_ROLES").contains("controller"), "Kafka runs in KRaft mode");

        Map<String, String> bridge = environment("stk-bridge");
        Set<String> unknown = new TreeSet<>(bridge.keySet());
        unknown.removeAll(ConfigurationVariables.read());
        assertEquals(Set.of(), unknown, "compose sets variables stk-bridge does not read");
        assertEquals("kafka:9092", bridge.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertTrue(bridge.get("DARAJA_BASE_URL").startsWith("http://daraja-simulator:"));
        assertTrue(bridge.get("STK_DB_URL").startsWith("jdbc:postgresql://postgres:"));
        Map<String, String> simulator = environment("daraja-simulator");
        assertEquals(simulator.get("SIM_CONSUMER_KEY"), bridge.get("DARAJA_CONSUMER_KEY"));
        assertEquals(simulator.get("SIM_CONSUMER_SECRET"), bridge.get("DARAJA_CONSUMER_SECRET"));
        assertEquals("35s", service("stk-bridge").get("stop_grace_period"), "longer than the bridge's shutdown bound (30 s)");
        Map<String, Object> dependsOn = (Map<String, Object>) service("stk-bridge").get("depends_on");
        assertTrue(dependsOn.keySet().containsAll(List.of("kafka", "postgres")));
    }

    @Test
    void theImageEntrypointRunsTheBuiltJarAndFailsFastWithoutConfiguration() throws Exception {
        List<String> entrypoint = onTheBuiltJar(ContainerImage.entrypoint());
        ProcessBuilder builder = new ProcessBuilder(entrypoint).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_")
                || name.endsWith("JAVA_OPTIONS") || name.equals("JAVA_OPTS"));
        // the JVM options the image sets: a JVM that does not start with them fails here with another exit status
        builder.environment().putAll(ContainerImage.runtimeEnvironment());
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("DARAJA_SHORTCODE"), output);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSimulatorEntrypointServesDaraja() throws Exception {
        List<String> entrypoint = onTheBuiltJar((List<String>) service("daraja-simulator").get("entrypoint"));
        int port = StkBridgeInstance.freePort();
        ProcessBuilder builder = new ProcessBuilder(entrypoint).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment("daraja-simulator").entrySet().stream()
                .filter(e -> !e.getValue().contains("${"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        builder.environment().put("SIM_PORT", String.valueOf(port));
        builder.environment().put("SIM_BIND", "127.0.0.1");
        Process process = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest token = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/oauth/v1/generate?grant_type=client_credentials"))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<String> answer = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (answer == null && System.nanoTime() < deadline && process.isAlive()) {
                try {
                    answer = http.send(token, HttpResponse.BodyHandlers.ofString());
                } catch (java.io.IOException notYetListening) {
                    Thread.sleep(100);
                }
            }
            assertTrue(answer != null, "the simulator answered");
            assertEquals(400, answer.statusCode(), "no credentials: Daraja's 400.008.01");
            assertTrue(answer.body().contains("400.008.01"), answer.body());
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The image keeps the jar and its lib/ in /app; here they are in target/. */
    private static List<String> onTheBuiltJar(List<String> command) {
        List<String> local = new ArrayList<>();
        for (String part : command) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            local.add(part.equals("java") ? java : part.replace("exec java ", "exec " + java + " ").replace("/app/", "target/"));
        }
        return local;
    }
}
