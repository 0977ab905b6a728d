package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.StkBridgeInstance;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code target/stk-bridge.jar}, started with {@code java -jar} and configured only by environment variables,
 * against a broker and a Daraja-compatible server it knows nothing about but their addresses.
 */
class PackagedJarIT {

    private static final Path JAR = Path.of("target", "stk-bridge.jar");
    private static final String PASSKEY = DarajaSimulator.SANDBOX_PASSKEY;

    @Test
    void processesIntentsConfiguredByEnvironmentOnly() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = DarajaSimulator.builder().port(0).consumerCredentials("jar-key", "jar-secret")
                     .merchant("174379", PASSKEY).callbackDelay(Duration.ofMillis(200)).build()) {
            daraja.start();
            int port = StkBridgeInstance.freePort();
            Path log = Files.createTempFile("stk-bridge-jar", ".log");
            ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("DARAJA_BASE_URL", daraja.baseUrl());
            env.put("DARAJA_CONSUMER_KEY", "jar-key");
            env.put("DARAJA_CONSUMER_SECRET", "jar-secret");
            env.put("DARAJA_SHORTCODE", "174379");
            env.put("DARAJA_PASSKEY", PASSKEY);
            env.put("STK_CALLBACK_BASE_URL", "http://127.0.0.1:" + port);
            env.put("STK_CALLBACK_SECRET", "jar-callback-secret-0123456789");
            env.put("STK_HTTP_PORT", String.valueOf(port));
            env.put("STK_DB_URL", "jdbc:h2:file:" + Files.createTempDirectory("stk-jar-db").resolve("ledger"));
            env.put("STK_TOPIC_INTENTS", "shop.payments.intents");
            env.put("STK_TOPIC_OUTCOMES", "shop.payments.outcomes");
            Process process = builder.start();
            try {
                OutcomeCollector.await(Duration.ofSeconds(60), "stk-bridge to create its topics and start",
                        () -> !process.isAlive() || read(log).contains("started in"));
                assertTrue(process.isAlive(), read(log));
                try (IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "shop.payments.intents");
                     OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "shop.payments.outcomes")) {
                    intents.publish("JAR-1", IntentPublisher.intent("jar-intent-1", "JAR-1", 10, "0708374149"));
                    JsonNode outcome = outcomes.awaitFinal("jar-intent-1", Duration.ofSeconds(60));
                    assertEquals("SUCCEEDED", outcome.path("status").asText());
                }
            } finally {
                process.destroy();
                assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stk-bridge stops on SIGTERM");
            }
            String output = read(log);
            assertFalse(output.contains(PASSKEY), "the passkey was logged");
            assertFalse(output.contains("jar-secret"), "the consumer secret was logged");
            assertFalse(output.contains("jar-callback-secret"), "the callback secret was logged");
        }
    }

    @Test
    void refusesToStartWithoutItsConfigurationAndSaysWhatIsMissing() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(javaBin(), "-jar", JAR.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("DARAJA_") || name.startsWith("STK_"));
        builder.environment().put("DARAJA_CONSUMER_SECRET", "not-to-be-printed");
        builder.environment().put("STK_CALLBACK_BASE_URL", "http://payments.example.com");
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("DARAJA_SHORTCODE"), output);
        assertTrue(output.contains("DARAJA_CONSUMER_KEY"), output);
        assertTrue(output.contains("STK_CALLBACK_SECRET"), output);
        assertTrue(output.contains("STK_CALLBACK_BASE_URL must be https"), output);
        assertFalse(output.contains("not-to-be-printed"), output);
        assertFalse(output.contains("\tat "), "no stack trace: " + output);
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "";
        }
    }
}
