package io.stkbridge.testing;

import io.stkbridge.api.PasswordHashes;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.SentCallback;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Everything an end-to-end test needs, real and in this JVM: a Kafka broker, the Daraja simulator, stk-bridge with its
 * real routes on an H2 ledger, a publisher of intents and collectors of the outcome and dead-letter topics.
 */
public final class TestStack implements AutoCloseable {

    public static final String PASSKEY = DarajaSimulator.SANDBOX_PASSKEY;
    public static final String CONSUMER_SECRET = "test-secret";
    public static final String CALLBACK_SECRET = "test-callback-secret-0123456789";
    public static final String OPERATOR_KEY = "test-operator-key-0123456789abcdef";
    public static final String READER_KEY = "test-reader-key-0123456789abcdefgh";
    /** Support console users: an operator and a read-only agent. */
    public static final String OPERATOR_USER = "olivia";
    public static final String READER_USER = "rahul";
    public static final String CONSOLE_PASSWORD = "correct horse battery staple";
    private static final String CONSOLE_USERS = OPERATOR_USER + ":operator:" + PasswordHashes.hash(CONSOLE_PASSWORD.toCharArray())
            + "\n" + READER_USER + ":reader:" + PasswordHashes.hash(CONSOLE_PASSWORD.toCharArray());
    /** The stale-attempt sweeper with windows of seconds, so tests see queries, backoff and give-up quickly. */
    public static final Map<String, String> FAST_SWEEPER = Map.of(
            "stk.query.sweep-interval-ms", "200",
            "stk.query.first-delay-ms", "500",
            "stk.query.retry-base-ms", "300",
            "stk.query.retry-max-ms", "600",
            "stk.query.give-up-after-ms", "5000",
            "stk.query.tps-per-shortcode", "50");

    public final EmbeddedKafka kafka;
    public final DarajaSimulator daraja;
    public StkBridgeInstance app;
    private Map<String, String> appProperties;
    private final Map<String, String> appSecrets;
    public final OutcomeCollector outcomes;
    public final OutcomeCollector deadLetters;
    public final IntentPublisher intents;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String diagnosticsName = "test stack " + UUID.randomUUID().toString().substring(0, 8);

    private TestStack(Map<String, String> extraProperties, TestCertificates tls, Duration slowAnswerDelay,
                      KafkaTls kafkaTls, Map<String, String> extraEnvironment) {
        kafka = kafkaTls == null ? EmbeddedKafka.start() : kafkaTls.client() == null
                ? EmbeddedKafka.startWithSaslSsl(kafkaTls.broker()) : EmbeddedKafka.startWithMutualTls(kafkaTls.broker(), kafkaTls.client());
        daraja = simulator()
                .keepAlive(SIMULATOR_KEEP_ALIVE)
                .callbackDelay(Duration.ofMillis(150))
                .slowAnswerDelay(slowAnswerDelay)
                .tls(tls == null ? null : tls.serverContext())
                .build();
        daraja.start();
        Map<String, String> properties = new HashMap<>(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "daraja.base-url", daraja.baseUrl(),
                "daraja.shortcode", "174379",
                "stk.db.url", "jdbc:h2:mem:stack-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "stk.outbox.poll-interval-ms", "50",
                "camel.component.http.so-timeout", "2000",
                "camel.component.http.response-timeout", "2000",
                "daraja.push-connect-retry-delay-ms", "50",
                "daraja.push-busy-retries", "2",
                "daraja.push-busy-retry-delay-ms", "50"));
        properties.putAll(Map.of(
                // a push sent without a recorded answer (a crash in a test) is UNKNOWN after 6 s, not 5 min: above the
                // longest a push waits for its answer (1 s + 1 s + 2 s)
                "camel.component.http.connect-timeout", "1000",
                "camel.component.http.connection-request-timeout", "1000",
                "stk.push.interrupted-wait-ms", "6000",
                // below the simulator's keep-alive, as DARAJA_KEEP_ALIVE_MS must be below Daraja's idle timeout
                "daraja.keep-alive-ms", String.valueOf(SIMULATOR_KEEP_ALIVE.toMillis() / 2),
                "daraja.push-connect-retries", "1",
                "daraja.outage-pause-ms", "200",
                "daraja.outage-give-up-ms", "1000",
                "daraja.deferred-sweep-interval-ms", "100"));
        if (tls != null) {
            properties.put("daraja.truststore-file", tls.trustStore().toString());
        }
        if (kafkaTls != null) {
            properties.putAll(Map.of("kafka.bootstrap-servers", kafka.secureBootstrapServers(),
                    "kafka.ssl.truststore-file", kafkaTls.broker().trustStore().toString()));
            if (kafkaTls.client() == null) {
                properties.putAll(Map.of("kafka.security-protocol", "SASL_SSL", "kafka.sasl-mechanism", "SCRAM-SHA-256"));
            } else {
                properties.putAll(Map.of("kafka.security-protocol", "SSL",
                        "kafka.ssl.keystore-file", kafkaTls.client().keyStore().toString()));
            }
        }
        properties.putAll(extraProperties);
        Map<String, String> secrets = new HashMap<>(Map.of(
                "DARAJA_CONSUMER_KEY", "test-key",
                "DARAJA_CONSUMER_SECRET", CONSUMER_SECRET,
                "DARAJA_PASSKEY", PASSKEY,
                "STK_CALLBACK_SECRET", CALLBACK_SECRET,
                "STK_API_OPERATOR_KEY", OPERATOR_KEY,
                "STK_API_READER_KEY", READER_KEY,
                "STK_API_USERS", CONSOLE_USERS));
        if (tls != null) {
            secrets.put("DARAJA_TRUSTSTORE_PASSWORD", TestCertificates.TRUSTSTORE_PASSWORD);
        }
        if (kafkaTls != null) {
            secrets.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", TestCertificates.TRUSTSTORE_PASSWORD);
            if (kafkaTls.client() == null) {
                secrets.put("KAFKA_SASL_JAAS_CONFIG", EmbeddedKafka.jaasConfig(EmbeddedKafka.SCRAM_PASSWORD));
            } else {
                secrets.put("KAFKA_SSL_KEYSTORE_PASSWORD", TestCertificates.KEYSTORE_PASSWORD);
            }
        }
        secrets.putAll(extraEnvironment);
        appSecrets = Map.copyOf(secrets);
        // the instance picks its ports (again, should another process take one first); restarts keep the HTTP port, so
        // that Daraja's callbacks for earlier pushes still reach it
        app = StkBridgeInstance.start(properties, appSecrets);
        properties.put("camel.server.port", String.valueOf(app.httpPort()));
        appProperties = Map.copyOf(properties);
        outcomes = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.outcomes");
        deadLetters = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.intents.dlq");
        intents = new IntentPublisher(kafka.bootstrapServers(), "mpesa.stk.intents");
        OutcomeCollector.describeOnTimeout(diagnosticsName, this::describe);
    }

    /** The running instance's ledger, to read an attempt's state as the bridge sees it. */
    public io.stkbridge.ledger.AttemptLedger ledger() {
        return app.context().getRegistry().lookupByNameAndType("attemptLedger", io.stkbridge.ledger.AttemptLedger.class);
    }

    /** What a wait that timed out prints about this stack: the simulator's counts and the ledger's unsettled attempts. */
    private String describe() {
        StringBuilder text = new StringBuilder("simulator: ").append(daraja.pushRequestCount()).append(" push requests, ")
                .append(daraja.pushCount()).append(" registered, ").append(daraja.refusedPushCount()).append(" refused, ")
                .append(daraja.queryCount()).append(" queries, ").append(daraja.callbacksSent().size())
                .append(" callbacks sent, ").append(daraja.tokenRequestCount()).append(" token requests\n")
                .append("outcome events: ").append(outcomes.values().size()).append(", dead letters: ")
                .append(deadLetters.values().size()).append("\nledger attempts not final (at most 20):\n");
        javax.sql.DataSource ledger = app.context().getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        try (var connection = ledger.getConnection(); var rows = connection.createStatement().executeQuery(
                "SELECT intent_id, attempt_id, status, reason, checkout_request_id, created_at, updated_at FROM stk_attempt "
                        + "WHERE status IN ('PENDING_PUSH', 'DEFERRED', 'ACCEPTED') ORDER BY created_at FETCH FIRST 20 ROWS ONLY")) {
            while (rows.next()) {
                for (int column = 1; column <= 7; column++) {
                    text.append(column == 1 ? "  " : " | ").append(rows.getString(column));
                }
                text.append('\n');
            }
        } catch (Exception e) {
            text.append("  (ledger not readable: ").append(e).append(")\n");
        }
        return text.toString();
    }

    /** Crashes stk-bridge and starts it again on the same ledger, broker, simulator and port. */
    public void crashAndRestartApp() {
        app.crash();
        restartApp();
    }

    /** Starts stk-bridge again (after {@link StkBridgeInstance#crash()}) on the same ledger, broker, simulator and port. */
    public void restartApp() {
        app = StkBridgeInstance.start(appProperties, appSecrets);
    }

    /** Stops stk-bridge gracefully and starts it again with these properties changed, for the rest of the test. */
    public void restartApp(Map<String, String> overrides) {
        app.close();
        Map<String, String> properties = new HashMap<>(appProperties);
        properties.putAll(overrides);
        appProperties = Map.copyOf(properties);
        restartApp();
    }

    /**
     * Every stack's simulator closes, unread, a request that comes on a connection idle for longer than this (a server's
     * idle timeout meeting a client's send); the bridge keeps its connections idle for half as long.
     */
    public static final Duration SIMULATOR_KEEP_ALIVE = Duration.ofSeconds(2);

    /** A push latency that holds pushes long enough for a crash test to send the rest of its intents meanwhile. */
    public static final Duration HELD_PUSH_ANSWER = Duration.ofSeconds(5);
    /** What {@link #crashCuttingOffPushes} sets: Daraja answers nothing until the crash is over and it lowers it. */
    private static final Duration HELD_UNTIL_RELEASED = Duration.ofMinutes(10);
    /**
     * A read timeout well above {@link #HELD_PUSH_ANSWER}, for stacks that crash with {@link #crashCuttingOffPushes}; the
     * pushes the crash cuts off wait for their callback a little longer than a push can wait for its answer (22 s).
     */
    public static final Map<String, String> READ_TIMEOUT_ABOVE_HELD_ANSWERS = Map.of(
            "camel.component.http.so-timeout", "20000",
            "camel.component.http.response-timeout", "20000",
            "stk.push.interrupted-wait-ms", "24000");

    /**
     * What a crash cut off.
     *
     * @param pendingPushIntents the intents whose attempts it left PENDING_PUSH (their push answer never recorded)
     * @param pushedOrders       the orderIds of those whose push Daraja had received (registered) before the crash
     * @param inFlightIntents    the intents whose push was under way at the crash, the only ones a crash may make UNKNOWN
     *                           PUSH_INTERRUPTED: PENDING_PUSH just before it or once it is down, or opened in between and
     *                           closed as interrupted by the stopping instance itself (a second copy of the intent in the
     *                           same batch finds the first copy's push cut off)
     */
    public record CutOff(Set<String> pendingPushIntents, Set<String> pushedOrders, Set<String> inFlightIntents) {
    }

    /**
     * Crashes stk-bridge ({@link StkBridgeInstance#crash()}) while pushes are under way, so that the crash really cuts
     * them off: Daraja holds every push answer from now until the crash is over, so at least {@code atLeast} pushes it
     * accepted wait for theirs when the bridge is crashed (set {@link DarajaSimulator#pushLatency} to
     * {@link #HELD_PUSH_ANSWER} before sending the intents, if the pushes could all be over before this is called).
     * Returns what the ledger shows once the bridge has stopped (its pools are closed then, so nothing it does later is
     * recorded). Then Daraja answers the held pushes, to the stopped bridge, and later ones after
     * {@code latencyAfterwards}. The bridge stays down: {@link #restartApp()}. Needs a read timeout above the held answers
     * ({@link #READ_TIMEOUT_ABOVE_HELD_ANSWERS}), or the pushes would time out instead.
     */
    public CutOff crashCuttingOffPushes(int atLeast, Duration latencyAfterwards) {
        long readTimeoutMs = Long.parseLong(appProperties.get("camel.component.http.so-timeout"));
        if (readTimeoutMs < 2 * HELD_PUSH_ANSWER.toMillis()) {
            throw new IllegalStateException("the read timeout (" + readTimeoutMs + " ms) must be well above the held answers");
        }
        // held until the crash is over, however long the stop takes: with a fixed hold (5 s) a stop that took 5.8 s in CI
        // could let Daraja's answers through to be recorded while the bridge was still stopping
        daraja.pushLatency(HELD_UNTIL_RELEASED);
        // only pushes Daraja accepted (registered) count: a refused request (a busy re-send, an invalid field) is held as
        // long, but the crash cuts off no push with it; a crash while only such requests were held left no pushed
        // attempt PENDING_PUSH (seen in CI)
        int acceptedBefore = daraja.pushes().size();
        OutcomeCollector.await(Duration.ofSeconds(60), atLeast + " accepted pushes to wait for their held answers",
                () -> daraja.pushes().size() >= acceptedBefore + atLeast && daraja.pushesBeingAnswered() >= atLeast);
        String states = "SELECT intent_id, order_id, status, reason FROM stk_attempt";
        List<List<String>> before = ledgerRows(states);
        app.crash();
        daraja.pushLatency(latencyAfterwards);
        Set<String> pushed = daraja.pushes().stream().map(ReceivedPush::accountReference).collect(Collectors.toSet());
        Set<String> existedBefore = new HashSet<>();
        Set<String> inFlight = new HashSet<>();
        for (List<String> row : before) {
            existedBefore.add(row.get(0));
            if ("PENDING_PUSH".equals(row.get(2))) {
                inFlight.add(row.get(0));
            }
        }
        Set<String> pendingIntents = new HashSet<>();
        Set<String> pushedOrders = new HashSet<>();
        for (List<String> row : ledgerRows(states)) {
            if ("PENDING_PUSH".equals(row.get(2))) {
                pendingIntents.add(row.get(0));
                if (pushed.contains(row.get(1))) {
                    pushedOrders.add(row.get(1));
                }
            } else if (!existedBefore.contains(row.get(0)) && "PUSH_INTERRUPTED".equals(row.get(3))) {
                inFlight.add(row.get(0));
            }
        }
        inFlight.addAll(pendingIntents);
        return new CutOff(Set.copyOf(pendingIntents), Set.copyOf(pushedOrders), Set.copyOf(inFlight));
    }

    /** The orderIds (account references) of pushes whose callback the bridge took (HTTP 2xx: it was stored). */
    public Set<String> ordersWithDeliveredCallback() {
        Set<String> delivered = daraja.callbacksSent().stream().filter(SentCallback::delivered)
                .map(SentCallback::checkoutRequestId).collect(Collectors.toSet());
        return daraja.pushes().stream().filter(p -> delivered.contains(p.checkoutRequestId()))
                .map(ReceivedPush::accountReference).collect(Collectors.toSet());
    }

    /** The rows of a query on the ledger, over a connection of its own: readable while stk-bridge is stopped. */
    public List<List<String>> ledgerRows(String sql) {
        String password = appSecrets.getOrDefault("STK_DB_PASSWORD", "");
        try (var connection = DriverManager.getConnection(appProperties.get("stk.db.url"),
                appProperties.getOrDefault("stk.db.user", "sa"), password);
             var rows = connection.createStatement().executeQuery(sql)) {
            List<List<String>> result = new ArrayList<>();
            while (rows.next()) {
                List<String> row = new ArrayList<>();
                for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
                    row.add(rows.getString(column));
                }
                result.add(row);
            }
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger: " + sql, e);
        }
    }

    /**
     * Starts another stk-bridge on the same broker, simulator and ledger (the ledger must be one that several instances
     * can share, e.g. PostgreSQL), with its own HTTP and management ports and callback URL; the caller closes it. The
     * overrides should give it its own {@code stk.instance-id}.
     */
    public StkBridgeInstance startAnotherApp(Map<String, String> overrides) {
        return startAnotherApp(overrides, Map.of());
    }

    /** As {@link #startAnotherApp(Map)}, with these secret environment variables changed as well. */
    public StkBridgeInstance startAnotherApp(Map<String, String> overrides, Map<String, String> secretOverrides) {
        Map<String, String> properties = new HashMap<>(appProperties);
        properties.remove("camel.server.port");
        properties.remove("camel.management.port");
        properties.remove("stk.callback.base-url");
        properties.putAll(overrides);
        Map<String, String> secrets = new HashMap<>(appSecrets);
        secrets.putAll(secretOverrides);
        return StkBridgeInstance.start(properties, secrets);
    }

    /**
     * Starts another instance with these properties and secrets changed (and an instance id of its own), which must fail
     * on its configuration: the {@link io.stkbridge.ConfigurationException} that stopped it.
     */
    public io.stkbridge.ConfigurationException refusedStartUp(Map<String, String> overrides, Map<String, String> secretOverrides) {
        Map<String, String> properties = new HashMap<>(overrides);
        properties.put("stk.instance-id", "refused-" + UUID.randomUUID());
        IllegalStateException failure = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> startAnotherApp(properties, secretOverrides).close());
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.stkbridge.ConfigurationException configuration) {
                return configuration;
            }
        }
        throw new AssertionError("start-up failed, but not on its configuration", failure);
    }

    /** A Daraja simulator on a free port that knows the stacks' consumer key and merchant (shortcode 174379). */
    public static DarajaSimulator.Builder simulator() {
        return DarajaSimulator.builder()
                .port(0)
                .consumerCredentials("test-key", CONSUMER_SECRET)
                .merchant("174379", PASSKEY);
    }

    /** The secret environment variables of an instance started on its own ({@link StkBridgeInstance#start}). */
    public static Map<String, String> secrets() {
        return Map.of(
                "DARAJA_CONSUMER_KEY", "test-key",
                "DARAJA_CONSUMER_SECRET", CONSUMER_SECRET,
                "DARAJA_PASSKEY", PASSKEY,
                "STK_CALLBACK_SECRET", CALLBACK_SECRET);
    }

    /** Closes each resource that is not null, in order; a failure is printed and the others are closed still. */
    public static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("closing " + resource + ": " + e);
                }
            }
        }
    }

    public static TestStack start(Map<String, String> extraProperties) {
        return new TestStack(extraProperties, null, Duration.ofSeconds(4), null, Map.of());
    }

    /** As {@link #start(Map)}, with these environment variables (OTEL_* for example) given to stk-bridge as well. */
    public static TestStack startWithEnvironment(Map<String, String> extraProperties, Map<String, String> environment) {
        return new TestStack(extraProperties, null, Duration.ofSeconds(4), null, environment);
    }

    /**
     * As {@link #start(Map)}, with stk-bridge reaching Kafka only through a SASL_SSL listener (SCRAM-SHA-256, the
     * broker's certificate made for the test and trusted through KAFKA_SSL_TRUSTSTORE_FILE); the test's own publisher
     * and collectors use the broker's plaintext listener.
     */
    public static TestStack startOverSaslSsl(Map<String, String> extraProperties) {
        return new TestStack(extraProperties, null, Duration.ofSeconds(4), new KafkaTls(TestCertificates.create(), null),
                Map.of());
    }

    /**
     * As {@link #start(Map)}, with stk-bridge reaching Kafka only through an SSL listener that requires a client
     * certificate: its own, made for the test, given through KAFKA_SSL_KEYSTORE_FILE; the broker's trusted through
     * KAFKA_SSL_TRUSTSTORE_FILE. The test's own publisher and collectors use the broker's plaintext listener.
     */
    public static TestStack startOverMutualTls(Map<String, String> extraProperties) {
        return new TestStack(extraProperties, null, Duration.ofSeconds(4),
                new KafkaTls(TestCertificates.create(), TestCertificates.create()), Map.of());
    }

    /** The broker's certificate; and the bridge's, for mutual TLS, or null for SASL_SSL. */
    private record KafkaTls(TestCertificates broker, TestCertificates client) {
    }

    /**
     * As {@link #start(Map)}, with the simulator serving https on a certificate made for the test, which stk-bridge
     * trusts through DARAJA_TRUSTSTORE_FILE; its slow answer (Amount 6000) takes {@code slowAnswerDelay}.
     */
    public static TestStack startWithTls(Map<String, String> extraProperties, Duration slowAnswerDelay) {
        return new TestStack(extraProperties, TestCertificates.create(), slowAnswerDelay, null, Map.of());
    }

    /** Publishes an intent for the test phone number and returns its intentId; the orderId is also its account reference. */
    public String pay(int amount) {
        String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        String orderId = ("ORD-" + UUID.randomUUID()).substring(0, 12);
        intents.publish(orderId, IntentPublisher.intent(intentId, orderId, amount, "0708 374 149"));
        return intentId;
    }

    /** The CheckoutRequestID of an intent's attempt, from its ACCEPTED event. */
    public String checkoutOf(String intentId, Duration bound) {
        OutcomeCollector.await(bound, "ACCEPTED of " + intentId, () -> !outcomes.eventsOf(intentId).isEmpty());
        return outcomes.eventsOf(intentId).get(0).path("checkoutRequestId").asText();
    }

    /** How many STK Queries the simulator received for a CheckoutRequestID. */
    public long queriesFor(String checkoutRequestId) {
        return daraja.queries().stream().filter(q -> q.checkoutRequestId().equals(checkoutRequestId)).count();
    }

    /** The path (with its HMAC token) that Daraja was told to call back for an attempt. */
    public String callbackPath(String attemptId) {
        String url = new CallbackTokens(CALLBACK_SECRET, app.httpBaseUrl()).callbackUrl(attemptId);
        return url.substring(app.httpBaseUrl().length());
    }

    public static String successCallback(String checkoutRequestId, int amount, String phone) {
        return """
                {"Body":{"stkCallback":{"MerchantRequestID":"1-2-3","CheckoutRequestID":"%s","ResultCode":0,
                 "ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[
                 {"Name":"Amount","Value":%d.00},{"Name":"MpesaReceiptNumber","Value":"TST1234567"},{"Name":"Balance"},
                 {"Name":"TransactionDate","Value":20260101120000},{"Name":"PhoneNumber","Value":%s}]}}}}"""
                .formatted(checkoutRequestId, amount, phone);
    }

    /** GET on the management port (health, metrics, info). */
    public HttpResponse<String> getManagement(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(app.managementBaseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.httpBaseUrl() + path)).GET();
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An {@code Authorization} header for HTTP Basic. */
    public static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.httpBaseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        OutcomeCollector.forget(diagnosticsName);
        intents.close();
        outcomes.close();
        deadLetters.close();
        app.close();
        daraja.close();
        kafka.close();
    }
}
