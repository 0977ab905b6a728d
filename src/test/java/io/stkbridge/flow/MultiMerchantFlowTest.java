package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.simulator.DarajaSimulator;
import io.stkbridge.simulator.ReceivedPush;
import io.stkbridge.simulator.ReceivedQuery;
import io.stkbridge.testing.EmbeddedKafka;
import io.stkbridge.testing.IntentPublisher;
import io.stkbridge.testing.OutcomeCollector;
import io.stkbridge.testing.StkBridgeInstance;
import io.stkbridge.testing.TestStack;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several merchants in one process, configured by STK_MERCHANTS_FILE: a PayBill and a till (Buy Goods), each with its
 * own Daraja app (consumer key/secret) and passkey, plus one whose credentials Daraja refuses. The real app, the
 * in-process broker, the simulator over HTTP and H2, as in the other flow tests.
 */
class MultiMerchantFlowTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    static final String PAYBILL = "600100";
    static final String PAYBILL_PASSKEY = "paybill-passkey-0123456789abcdef";
    static final String STORE = "600200";
    static final String TILL = "5000111";
    static final String STORE_PASSKEY = "store-passkey-fedcba9876543210";

    static final String MERCHANTS = """
            # the PayBill first, but the till is the default
            merchants:
              - name: shop
                environment: sandbox
                shortcode: "600100"
                transactionType: CustomerPayBillOnline
                pushTps: 5
                accountReferenceRule: first12
                consumerKeyEnv: SHOP_CONSUMER_KEY
                consumerSecretEnv: SHOP_CONSUMER_SECRET
                passkeyEnv: SHOP_PASSKEY
              - name: kiosk
                default: true
                environment: sandbox
                shortcode: "600200"
                partyB: "5000111"
                transactionType: CustomerBuyGoodsOnline
                consumerKeyEnv: KIOSK_CONSUMER_KEY
                consumerSecretEnv: KIOSK_CONSUMER_SECRET
                passkeyEnv: KIOSK_PASSKEY
              - name: broken
                environment: sandbox
                shortcode: "600300"
                consumerKeyEnv: BROKEN_CONSUMER_KEY
                consumerSecretEnv: BROKEN_CONSUMER_SECRET
                passkeyEnv: KIOSK_PASSKEY
            """;

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static DarajaSimulator daraja;
    static StkBridgeInstance app;
    static OutcomeCollector outcomes;
    static OutcomeCollector deadLetters;
    static IntentPublisher intents;
    /** Every push request as it went on the wire (the simulator keeps no Password), by AccountReference. */
    static final Queue<JsonNode> wire = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        daraja = DarajaSimulator.builder()
                .port(0)
                .consumerCredentials("shop-key", "shop-secret")
                .consumerCredentials("kiosk-key", "kiosk-secret")
                .merchant(PAYBILL, PAYBILL_PASSKEY)
                .merchant(STORE, STORE_PASSKEY)
                .till(STORE, TILL)
                .callbackDelay(Duration.ofMillis(150))
                .build()
                .start();
        Path merchantsFile = dir.resolve("merchants.yaml");
        Files.writeString(merchantsFile, MERCHANTS);
        Path kioskSecret = dir.resolve("kiosk_consumer_secret");
        Files.writeString(kioskSecret, "kiosk-secret\n");
        Map<String, String> properties = new HashMap<>(TestStack.FAST_SWEEPER);
        properties.putAll(Map.of(
                "kafka.bootstrap-servers", kafka.bootstrapServers(),
                "daraja.base-url", daraja.baseUrl(),
                "stk.merchants-file", merchantsFile.toString(),
                "stk.db.url", "jdbc:h2:mem:merchants-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "stk.outbox.poll-interval-ms", "50",
                "daraja.push-connect-retries", "1",
                "daraja.push-connect-retry-delay-ms", "50"));
        Map<String, String> environment = Map.of(
                "SHOP_CONSUMER_KEY", "shop-key",
                "SHOP_CONSUMER_SECRET", "shop-secret",
                "SHOP_PASSKEY", PAYBILL_PASSKEY,
                "KIOSK_CONSUMER_KEY", "kiosk-key",
                "KIOSK_CONSUMER_SECRET_FILE", kioskSecret.toString(),
                "KIOSK_PASSKEY", STORE_PASSKEY,
                "BROKEN_CONSUMER_KEY", "broken-key",
                "BROKEN_CONSUMER_SECRET", "not-the-secret",
                "STK_CALLBACK_SECRET", TestStack.CALLBACK_SECRET);
        app = StkBridgeInstance.start(properties, environment);
        AdviceWith.adviceWith(app.context(), "stk-push", route -> route.weaveById("call-stk-push").before()
                .process(exchange -> wire.add(OutcomeCollector.json(exchange.getMessage().getBody(String.class)))));
        outcomes = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.outcomes");
        deadLetters = new OutcomeCollector(kafka.bootstrapServers(), "mpesa.stk.intents.dlq");
        intents = new IntentPublisher(kafka.bootstrapServers(), "mpesa.stk.intents");
    }

    @AfterAll
    static void stop() throws Exception {
        intents.close();
        outcomes.close();
        deadLetters.close();
        app.close();
        daraja.close();
        kafka.close();
    }

    @Test
    void eachMerchantPushesWithItsOwnShortcodePartyBTypePasswordAndToken() {
        String paybill = pay("shop", 110);
        String byShortcode = pay(PAYBILL, 111);
        String till = pay("kiosk", 112);
        String byDefault = pay(null, 113);

        for (String intentId : List.of(paybill, byShortcode, till, byDefault)) {
            JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
            assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        }
        assertEquals("shop", outcomes.awaitFinal(paybill, BOUND).path("merchant").asText());
        assertEquals("shop", outcomes.awaitFinal(byShortcode, BOUND).path("merchant").asText());
        assertEquals("kiosk", outcomes.awaitFinal(till, BOUND).path("merchant").asText());
        assertEquals("kiosk", outcomes.awaitFinal(byDefault, BOUND).path("merchant").asText(), "kiosk says default: true");

        for (String intentId : List.of(paybill, byShortcode)) {
            ReceivedPush push = receivedPush(intentId);
            assertEquals(PAYBILL, push.shortcode());
            assertEquals(PAYBILL, push.partyB(), "PayBill pays into its shortcode");
            assertEquals("CustomerPayBillOnline", push.transactionType());
            assertEquals("shop-key", push.consumerKey(), "pushed with the shop app's token");
            assertPasswordOnTheWire(intentId, PAYBILL, PAYBILL_PASSKEY);
        }
        for (String intentId : List.of(till, byDefault)) {
            ReceivedPush push = receivedPush(intentId);
            assertEquals(STORE, push.shortcode(), "the store number is the BusinessShortCode");
            assertEquals(TILL, push.partyB(), "Buy Goods pays into the till");
            assertEquals("CustomerBuyGoodsOnline", push.transactionType());
            assertEquals("kiosk-key", push.consumerKey(), "pushed with the kiosk app's token");
            assertPasswordOnTheWire(intentId, STORE, STORE_PASSKEY);
        }
        assertEquals(1, daraja.tokensIssuedTo("shop-key"), "one token per app, cached");
        assertEquals(1, daraja.tokensIssuedTo("kiosk-key"), "one token per app, cached (secret read from its _FILE)");
    }

    @Test
    void anIntentNamingNoConfiguredMerchantIsRejectedAndNeverPushed() {
        String intentId = pay("elsewhere", 120);

        JsonNode rejected = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("REJECTED", rejected.path("status").asText());
        assertEquals("UNKNOWN_MERCHANT", rejected.path("reason").asText());
        assertEquals("VALIDATION", rejected.path("source").asText());
        List<ConsumerRecord<String, String>> dead = deadLetters.awaitRecords(r -> r.value().contains(intentId), 1, BOUND);
        assertEquals("UNKNOWN_MERCHANT", new String(dead.get(0).headers().lastHeader("stk_error_reason").value(),
                StandardCharsets.UTF_8));
        assertTrue(daraja.pushes().stream().noneMatch(p -> p.accountReference().equals(orderIdOf(intentId))));
    }

    @Test
    void theSweeperQueriesWithTheMerchantsOwnShortcodeAndApp() {
        String intentId = pay("kiosk", 7000); // the callback is never sent: only STK Query tells

        JsonNode outcome = outcomes.awaitFinal(intentId, BOUND);
        assertEquals("SUCCEEDED", outcome.path("status").asText(), outcome.toString());
        assertEquals("QUERY", outcome.path("source").asText());
        String checkoutRequestId = receivedPush(intentId).checkoutRequestId();
        List<ReceivedQuery> queries = daraja.queries().stream()
                .filter(q -> checkoutRequestId.equals(q.checkoutRequestId())).toList();
        assertTrue(!queries.isEmpty() && queries.stream().allMatch(q -> STORE.equals(q.shortcode())), queries.toString());
    }

    @Test
    void refusedCredentialsFailTheirMerchantOnlyAndAreNamedByTheTokenCheck() throws Exception {
        String broken = pay("broken", 130);
        String fine = pay("shop", 131);

        JsonNode failed = outcomes.awaitFinal(broken, BOUND);
        assertEquals("FAILED", failed.path("status").asText(), failed.toString());
        assertEquals("CONFIG_ERROR", failed.path("reason").asText());
        assertEquals("SUCCEEDED", outcomes.awaitFinal(fine, BOUND).path("status").asText());

        HealthCheck check = HealthCheckRegistry.get(app.context()).getCheck("daraja-tokens").orElseThrow();
        assertTrue(check.isReadiness() && !check.isLiveness(), "token readiness only");
        HealthCheck.Result result = check.call();
        // the others' customers are paying: the instance stays ready, so that their callbacks still arrive
        assertEquals(HealthCheck.State.UP, result.getState());
        assertEquals("REFUSED", result.getDetails().get("merchant.broken"));
        assertEquals("VALID", result.getDetails().get("merchant.shop"));
        assertTrue(result.getMessage().orElse("").contains("broken"));
        assertTrue(result.getMessage().orElse("").indexOf("not-the-secret") < 0);
        int tokenRequests = daraja.tokenRequestCount();
        check.call();
        assertEquals(tokenRequests, daraja.tokenRequestCount(), "the check never fetches a token");
    }

    @Test
    void tokenRefreshesAreCountedPerMerchant() throws Exception {
        outcomes.awaitFinal(pay("shop", 140), BOUND);
        outcomes.awaitFinal(pay("kiosk", 141), BOUND);

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(app.managementBaseUrl() + "/observe/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String merchant : List.of("shop", "kiosk")) {
            assertTrue(metrics.contains("stk_daraja_token_refreshes_total{merchant=\"" + merchant + "\"} 1.0"),
                    merchant + " in\n" + metrics);
        }
        // Camel's per-endpoint timers are off (their cost): the product's own histogram times Daraja per endpoint
        for (String merchant : List.of("shop", "kiosk")) {
            assertTrue(metrics.contains("stk_daraja_request_seconds_count{endpoint=\"push\",merchant=\"" + merchant
                    + "\",status=\"200\"} "), "Daraja push latency of " + merchant + " in\n" + metrics);
        }
        assertFalse(metrics.contains("camel_exchange_event_notifier"), "Camel's per-endpoint timers are off");
    }

    // --- helpers

    private static String pay(String merchant, int amount) {
        String intentId = "intent-" + UUID.randomUUID().toString().substring(0, 8);
        String orderId = orderIdOf(intentId);
        String merchantField = merchant == null ? "" : ",\"merchant\":\"" + merchant + "\"";
        intents.publish(orderId, """
                {"intentId":"%s","orderId":"%s","amount":%d,"phoneNumber":"0708374149"%s}"""
                .formatted(intentId, orderId, amount, merchantField));
        return intentId;
    }

    /** At most 12 characters, so it is also the AccountReference. */
    private static String orderIdOf(String intentId) {
        return "O-" + intentId.substring("intent-".length());
    }

    private static ReceivedPush receivedPush(String intentId) {
        await(BOUND, "the simulator to register the push of " + intentId, () ->
                daraja.pushes().stream().anyMatch(p -> p.accountReference().equals(orderIdOf(intentId))));
        List<ReceivedPush> pushes = daraja.pushes().stream()
                .filter(p -> p.accountReference().equals(orderIdOf(intentId))).toList();
        assertEquals(1, pushes.size(), "pushed once");
        return pushes.get(0);
    }

    /** Password = base64(BusinessShortCode + passkey + Timestamp), with this merchant's passkey. */
    private static void assertPasswordOnTheWire(String intentId, String shortcode, String passkey) {
        JsonNode sent = wire.stream().filter(r -> orderIdOf(intentId).equals(r.path("AccountReference").asText()))
                .findFirst().orElseThrow();
        assertEquals(shortcode, sent.path("BusinessShortCode").asText());
        String timestamp = sent.path("Timestamp").asText();
        assertEquals(Base64.getEncoder().encodeToString((shortcode + passkey + timestamp).getBytes(StandardCharsets.UTF_8)),
                sent.path("Password").asText());
    }
}
