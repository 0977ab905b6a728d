package io.stkbridge.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.api.PasswordHashes;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.StkBridgeInstance;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The local run: an in-process Kafka broker, the Daraja simulator, the H2 ledger and stk-bridge itself in one JVM.
 * Publishes sample intents covering success and failure and prints every outcome event as it arrives.
 * {@code mvn -q test-compile exec:java@local}; add {@code -Dstk.local.exit-when-done=true} to stop after the samples,
 * {@code -Dstk.local.drop-callbacks=true} to have the simulator lose every callback (all outcomes then come from STK Query).
 */
public final class LocalStack {

    static final String PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
    /** The local run's console sign-in: printed, because it exists only on this machine for this run. */
    public static final String CONSOLE_USER = "support";
    public static final String CONSOLE_PASSWORD = "local-run-only-password";

    /** amount → what the simulator does with it (its documented contract). */
    static final List<Object[]> SAMPLES = List.of(
            new Object[]{"ORD-1001", 100, "0708 374 149", "paid"},
            new Object[]{"ORD-1002", 1032, "+254708374149", "customer cancels"},
            new Object[]{"ORD-1003", 1111, "708374149", "insufficient funds"},
            new Object[]{"ORD-1004", 1037, "254708374149", "phone unreachable"},
            new Object[]{"ORD-1005", 5002, "0708-374-149", "Daraja spike arrest: pushes pause, then it fails"},
            new Object[]{"ORD-1006", 0, "0708374149", "invalid amount"},
            new Object[]{"ORD-1007", 7000, "0708374149", "callback lost: resolved by STK Query"});

    private LocalStack() {
    }

    public static void main(String[] args) throws Exception {
        boolean exitWhenDone = Boolean.getBoolean("stk.local.exit-when-done");
        boolean dropCallbacks = Boolean.getBoolean("stk.local.drop-callbacks");
        run(System.out, Integer.parseInt(System.getenv().getOrDefault("STK_HTTP_PORT", "8080")), exitWhenDone, dropCallbacks);
    }

    /** Returns the final outcome of each sample once all are in; when not exiting, keeps running until interrupted. */
    public static List<JsonNode> run(PrintStream out, int httpPort, boolean exitWhenDone, boolean dropCallbacks) throws Exception {
        return run(out, httpPort, exitWhenDone, dropCallbacks, baseUrl -> { });
    }

    /** {@code whileUp} gets stk-bridge's HTTP base URL once every sample is final, before anything stops. */
    public static List<JsonNode> run(PrintStream out, int httpPort, boolean exitWhenDone, boolean dropCallbacks,
                                     java.util.function.Consumer<String> whileUp) throws Exception {
        out.println("Starting an in-process Kafka broker, the Daraja simulator and stk-bridge …");
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             DarajaSimulator daraja = DarajaSimulator.builder().port(0)
                     .consumerCredentials("local-key", "local-secret")
                     .merchant("174379", PASSKEY)
                     .callbackDelay(Duration.ofMillis(1500))
                     .build()) {
            daraja.start();
            daraja.dropCallbacks(dropCallbacks);
            try (StkBridgeInstance app = StkBridgeInstance.start(Map.of(
                    "camel.server.port", String.valueOf(httpPort),
                    "kafka.bootstrap-servers", kafka.bootstrapServers(),
                    "daraja.base-url", daraja.baseUrl(),
                    "daraja.shortcode", "174379",
                    "stk.query.first-delay-ms", "5000",
                    // the spike-arrest sample pauses pushes briefly, then gives up on that one intent
                    "daraja.push-busy-retry-delay-ms", "500",
                    "daraja.outage-pause-ms", "2000",
                    "daraja.outage-give-up-ms", "6000",
                    "stk.query.retry-base-ms", "2000",
                    "stk.db.url", "jdbc:h2:file:./target/local-run/ledger;DB_CLOSE_ON_EXIT=FALSE"), Map.of(
                    "DARAJA_CONSUMER_KEY", "local-key",
                    "DARAJA_CONSUMER_SECRET", "local-secret",
                    "DARAJA_PASSKEY", PASSKEY,
                    "STK_CALLBACK_SECRET", "local-run-callback-secret-not-for-production",
                    "STK_API_USERS", CONSOLE_USER + ":operator:" + PasswordHashes.hash(CONSOLE_PASSWORD.toCharArray())));
                 OutcomeCollector outcomes = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.outcomes");
                 IntentPublisher intents = new IntentPublisher(kafka.bootstrapServers(), "mpesa.stk.intents")) {
                out.println();
                out.println("  Kafka bootstrap servers : " + kafka.bootstrapServers());
                out.println("  Daraja simulator        : " + daraja.baseUrl());
                out.println("  stk-bridge callbacks    : " + app.httpBaseUrl() + "/callbacks/stk/…");
                out.println("  Health and metrics      : " + app.managementBaseUrl() + "/observe/health, /observe/metrics");
                out.println("  Intents topic           : mpesa.stk.intents   Outcomes topic: mpesa.stk.outcomes");
                out.println("  Support console         : " + app.httpBaseUrl() + "/console/   (user " + CONSOLE_USER
                        + ", password " + CONSOLE_PASSWORD + ")");
                out.println();
                String run = Long.toString(System.currentTimeMillis(), 36);
                List<String> intentIds = new ArrayList<>();
                for (Object[] sample : SAMPLES) {
                    String intentId = "local-" + run + "-" + sample[0];
                    intentIds.add(intentId);
                    out.printf("→ intent %-8s %6s KES  %-15s (%s)%n", sample[0], sample[1], sample[2], sample[3]);
                    intents.publish((String) sample[0], IntentPublisher.intent(intentId, (String) sample[0], (int) sample[1], (String) sample[2]));
                }
                out.println();
                OutcomePrinter printer = new OutcomePrinter(out, outcomes);
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (!intentIds.stream().allMatch(id -> hasFinal(outcomes, id))) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the sample intents did not all reach a final outcome in 90 s");
                    }
                    printer.printNew();
                    Thread.sleep(50);
                }
                printer.printNew();
                List<JsonNode> finals = intentIds.stream().map(id -> outcomes.awaitFinal(id, Duration.ZERO)).toList();
                out.println();
                out.println("All " + finals.size() + " sample intents have their final outcome.");
                finals.stream().map(f -> f.path("mpesaReceiptNumber").asText("")).filter(r -> !r.isEmpty()).findFirst()
                        .ifPresent(receipt -> out.println("In the support console (" + app.httpBaseUrl() + "/console/), find"
                                + " them by receipt " + receipt + ", by phone 0708 374 149 or by order id ORD-1001."));
                whileUp.accept(app.httpBaseUrl());
                if (!exitWhenDone) {
                    out.println("stk-bridge keeps running: publish more intents to mpesa.stk.intents; Ctrl-C stops everything.");
                    while (!Thread.currentThread().isInterrupted()) {
                        printer.printNew();
                        Thread.sleep(200);
                    }
                }
                return finals;
            }
        }
    }

    private static boolean hasFinal(OutcomeCollector outcomes, String intentId) {
        return outcomes.eventsOf(intentId).stream().anyMatch(e -> e.path("final").asBoolean());
    }

    /** Prints each outcome event once, in the order they arrived. */
    private static final class OutcomePrinter {
        private final PrintStream out;
        private final OutcomeCollector outcomes;
        private int printed;

        OutcomePrinter(PrintStream out, OutcomeCollector outcomes) {
            this.out = out;
            this.outcomes = outcomes;
        }

        void printNew() {
            List<ConsumerRecord<String, String>> records = outcomes.records();
            for (; printed < records.size(); printed++) {
                JsonNode e = OutcomeCollector.json(records.get(printed).value());
                out.printf("← outcome %-8s %-9s %-22s resultCode=%-10s receipt=%-10s source=%s%n",
                        e.path("orderId").asText(), e.path("status").asText(), e.path("reason").asText("-"),
                        e.path("resultCode").asText("-"), e.path("mpesaReceiptNumber").asText("-"), e.path("source").asText());
            }
        }
    }
}
