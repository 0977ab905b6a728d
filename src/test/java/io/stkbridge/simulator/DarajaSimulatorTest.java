package io.stkbridge.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DarajaSimulatorTest {

    private static final String KEY = "test-consumer-key";
    private static final String SECRET = "test-consumer-secret";
    private static final String STORE_KEY = "store-consumer-key";
    private static final String STORE_SECRET = "store-consumer-secret";
    private static final String PAYBILL = DarajaSimulator.SANDBOX_SHORTCODE;
    private static final String PASSKEY = DarajaSimulator.SANDBOX_PASSKEY;
    private static final String STORE = "600100";
    private static final String STORE_PASSKEY = "store-passkey";
    private static final String TILL = "5000111";
    private static final String PHONE = "254708374149";
    private static final Duration CALLBACK_DELAY = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final BlockingQueue<String> RECEIVED_CALLBACKS = new LinkedBlockingQueue<>();
    private static final List<String> ALL_RECEIVED_CALLBACKS = new CopyOnWriteArrayList<>();

    private static DarajaSimulator simulator;
    private static HttpServer receiver;
    private static String callbackUrl;

    @BeforeAll
    static void start() throws IOException {
        simulator = DarajaSimulator.builder()
                .port(0)
                .consumerCredentials(KEY, SECRET)
                .consumerCredentials(STORE_KEY, STORE_SECRET)
                .merchant(PAYBILL, PASSKEY)
                .merchant(STORE, STORE_PASSKEY)
                .till(STORE, TILL)
                .callbackDelay(CALLBACK_DELAY)
                .build()
                .start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/callbacks/stk", exchange -> {
            try (exchange; InputStream body = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
                String received = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                ALL_RECEIVED_CALLBACKS.add(received);
                RECEIVED_CALLBACKS.add(received);
                byte[] answer = "{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                out.write(answer);
            }
        });
        receiver.start();
        callbackUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/callbacks/stk/secret-123";
    }

    @AfterAll
    static void stop() {
        simulator.close();
        receiver.stop(0);
    }

    @BeforeEach
    void forgetPreviousTests() {
        simulator.reset();
        RECEIVED_CALLBACKS.clear();
        ALL_RECEIVED_CALLBACKS.clear();
    }

    // --- OAuth

    @Test
    void issuesTokenWithExpiresInAsString() throws Exception {
        HttpResponse<String> response = oauth("client_credentials", basic(KEY, SECRET));

        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertEquals(28, body.get("access_token").textValue().length());
        assertTrue(body.get("expires_in").isTextual(), "expires_in is a string on the wire");
        assertEquals("3599", body.get("expires_in").textValue());
        assertEquals(1, simulator.tokenRequestCount());
    }

    @Test
    void refusesBadCredentialsAndGrantType() throws Exception {
        assertError(oauth("client_credentials", basic(KEY, "wrong")), 400, "400.008.01", "Invalid Authentication passed");
        assertError(oauth("client_credentials", null), 400, "400.008.01", "Invalid Authentication passed");
        assertError(oauth("password", basic(KEY, SECRET)), 400, "400.008.02", "Invalid grant type passed");
        assertEquals(3, simulator.tokenRequestCount());
    }

    @Test
    void eachAppGetsItsOwnTokensAndPushesSayWhichAppSentThem() throws Exception {
        String storeToken = json(oauth("client_credentials", basic(STORE_KEY, STORE_SECRET))).get("access_token").textValue();
        assertError(oauth("client_credentials", basic(STORE_KEY, SECRET)), 400, "400.008.01", "Invalid Authentication passed");
        assertEquals(200, post("/mpesa/stkpush/v1/processrequest", storeToken, buyGoods(TILL).toString()).statusCode());
        assertEquals(200, push(paybill(10)).statusCode());

        assertEquals(1, simulator.tokensIssuedTo(STORE_KEY));
        assertEquals(1, simulator.tokensIssuedTo(KEY));
        assertEquals(List.of(STORE_KEY, KEY), simulator.pushes().stream().map(ReceivedPush::consumerKey).toList());
    }

    // --- push and callback

    @Test
    void successfulPushIsCalledBackWithMetadata() throws Exception {
        HttpResponse<String> response = push(paybill(10));

        assertEquals(200, response.statusCode());
        JsonNode answer = json(response);
        assertEquals("0", answer.get("ResponseCode").textValue());
        assertEquals("Success. Request accepted for processing", answer.get("CustomerMessage").textValue());
        assertTrue(answer.get("MerchantRequestID").textValue().matches("\\d{5}-\\d{8}-1"));
        String checkoutId = answer.get("CheckoutRequestID").textValue();
        assertTrue(checkoutId.matches("ws_CO_\\d{14}\\d+"), checkoutId);

        String raw = awaitCallback(checkoutId);
        assertTrue(raw.contains("{\"Name\":\"Amount\",\"Value\":10.00}"), raw);
        JsonNode callback = MAPPER.readTree(raw).path("Body").path("stkCallback");
        assertEquals(answer.get("MerchantRequestID"), callback.get("MerchantRequestID"));
        assertTrue(callback.get("ResultCode").isInt());
        assertEquals(0, callback.get("ResultCode").intValue());
        assertTrue(item(callback, "MpesaReceiptNumber").get("Value").textValue().matches("[A-Z0-9]{10}"));
        assertFalse(item(callback, "Balance").has("Value"));
        JsonNode transactionDate = item(callback, "TransactionDate").get("Value");
        assertTrue(transactionDate.isIntegralNumber() && transactionDate.asText().matches("\\d{14}"));
        assertTrue(item(callback, "PhoneNumber").get("Value").isIntegralNumber());
        assertEquals(Long.parseLong(PHONE), item(callback, "PhoneNumber").get("Value").longValue());

        awaitUntil(() -> simulator.callbacksSent().size() == 1);
        SentCallback sent = simulator.callbacksSent().get(0);
        assertEquals(checkoutId, sent.checkoutRequestId());
        assertEquals(0, sent.resultCode());
        assertEquals(200, sent.httpStatus());
        assertTrue(sent.delivered());
    }

    /** A test can hold push answers until it lets them go: a latency set while an answer waits applies to it. */
    @Test
    void aPushAnswerHeldByTheLatencyIsReleasedWhenTheLatencyIsLowered() throws Exception {
        simulator.pushLatency(Duration.ofMinutes(10));
        java.util.concurrent.CompletableFuture<HttpResponse<String>> answer = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return push(paybill(10));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        awaitUntil(() -> !simulator.pushes().isEmpty());
        assertEquals(1, simulator.pushes().size(), "registered before its answer is held");
        // a request of its own, answered meanwhile: by then the push's thread has long gone on to hold its answer
        String checkoutId = simulator.pushes().get(0).checkoutRequestId();
        assertError(post("/mpesa/stkpushquery/v1/query", token(), query(checkoutId).toString()), 500,
                "500.001.1001", "The transaction is being processed");
        assertEquals(1, simulator.pushesBeingAnswered(), "the push is held");
        assertTrue(!answer.isDone(), "no answer while held");

        simulator.pushLatency(Duration.ZERO);
        assertEquals(200, answer.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).statusCode());
        assertEquals(0, simulator.pushesBeingAnswered());
    }

    @Test
    void failureAmountIsCalledBackWithoutMetadata() throws Exception {
        String checkoutId = acceptedCheckoutId(paybill(1032));

        JsonNode callback = MAPPER.readTree(awaitCallback(checkoutId)).path("Body").path("stkCallback");
        assertEquals(1032, callback.get("ResultCode").intValue());
        assertEquals("Request cancelled by user", callback.get("ResultDesc").textValue());
        assertFalse(callback.has("CallbackMetadata"));
    }

    @Test
    void recordsPushesWithoutThePassword() throws Exception {
        ObjectNode request = paybill(25);
        String checkoutId = acceptedCheckoutId(request);

        assertEquals(1, simulator.pushCount());
        ReceivedPush push = simulator.pushes().get(0);
        assertEquals(new ReceivedPush("INV1001", 25, PHONE, PAYBILL, PAYBILL, "CustomerPayBillOnline", callbackUrl,
                checkoutId, push.receivedAt(), KEY), push);
        assertTrue(Arrays.stream(ReceivedPush.class.getRecordComponents())
                .noneMatch(component -> component.getName().toLowerCase().contains("password")));
        assertFalse(push.toString().contains(request.get("Password").textValue()));
    }

    @Test
    void acceptsAmountAsStringAndRefusesDecimals() throws Exception {
        assertEquals(200, push(paybill(5).put("Amount", "100")).statusCode());
        assertError(push(paybill(5).put("Amount", 10.5)), 400, "400.002.02", "Bad Request - Invalid Amount");
        assertError(push(paybill(5).put("Amount", "10.5")), 400, "400.002.02", "Bad Request - Invalid Amount");
        assertError(push(paybill(5).put("Amount", 250_001)), 400, "400.002.02", "Bad Request - Invalid Amount");
        assertEquals(100, simulator.pushes().get(0).amount());
    }

    @Test
    void refusesInvalidFieldsAndBody() throws Exception {
        assertError(push(paybill(5).put("PhoneNumber", "0708374149")), 400, "400.002.02",
                "Bad Request - Invalid PhoneNumber");
        assertError(push(paybill(5).put("AccountReference", "THIRTEEN-CHAR")), 400, "400.002.02",
                "Bad Request - Invalid AccountReference");
        assertError(push(paybill(5).put("CallBackURL", "ftp://example.com/cb")), 400, "400.002.02",
                "Bad Request - Invalid CallBackURL");
        assertError(post("/mpesa/stkpush/v1/processrequest", token(), "{not json"), 400, "400.002.02",
                "Bad Request - Invalid JSON");
        assertError(push(pushBody("999999", PASSKEY, 5)), 500, "500.001.1001", "Merchant does not exist");
        assertEquals(0, simulator.pushCount());
    }

    @Test
    void refusesUtcTimestampSentAsNairobiTime() throws Exception {
        String utc = LocalDateTime.now(ZoneOffset.UTC).format(TIMESTAMP);
        ObjectNode request = paybill(10).put("Timestamp", utc).put("Password", password(PAYBILL, PASSKEY, utc));

        assertError(push(request), 400, "400.002.02", "Bad Request - Invalid Timestamp");
    }

    @Test
    void refusesWrongPassword() throws Exception {
        ObjectNode request = paybill(10).put("Password", password(PAYBILL, "not-the-passkey", eatNow()));

        assertError(push(request), 500, "500.001.1001", "Wrong credentials");
    }

    @Test
    void refusesExpiredToken() throws Exception {
        String token = token();
        simulator.expireAllTokens();

        assertError(post("/mpesa/stkpush/v1/processrequest", token, paybill(10).toString()), 404, "404.001.03",
                "Invalid Access Token");
        assertError(post("/mpesa/stkpushquery/v1/query", token, query("ws_CO_unknown").toString()), 404,
                "404.001.03", "Invalid Access Token");
        assertEquals(200, push(paybill(10)).statusCode(), "a fresh token works");
    }

    // --- amount-driven refusals

    @Test
    void spikeArrestIsRefusedAndNotRegistered() throws Exception {
        assertError(push(paybill(5002)), 500, "500.003.02", "Spike Arrest Violation");

        assertEquals(0, simulator.pushCount());
        assertEquals(1, simulator.refusedPushCount());
    }

    @Test
    void gatewayOutageAnswersHtml() throws Exception {
        HttpResponse<String> response = push(paybill(5031));

        assertEquals(503, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(response.body().startsWith("<html>"));
    }

    @Test
    void tooManyRequestsAnswers429() throws Exception {
        HttpResponse<String> response = push(paybill(4290));

        assertEquals(429, response.statusCode());
        assertEquals("429", json(response).get("errorCode").textValue());
    }

    @Test
    void internalErrorStillPromptsTheCustomer() throws Exception {
        assertError(push(paybill(5100)), 500, "500.003.1001", "Internal Server Error");

        assertEquals(1, simulator.pushCount());
        String checkoutId = simulator.pushes().get(0).checkoutRequestId();
        JsonNode callback = MAPPER.readTree(awaitCallback(checkoutId)).path("Body").path("stkCallback");
        assertEquals(0, callback.get("ResultCode").intValue());
    }

    // --- Buy Goods

    @Test
    void buyGoodsToTheRegisteredTillSucceeds() throws Exception {
        String checkoutId = acceptedCheckoutId(buyGoods(TILL));

        JsonNode callback = MAPPER.readTree(awaitCallback(checkoutId)).path("Body").path("stkCallback");
        assertEquals(0, callback.get("ResultCode").intValue());
    }

    @Test
    void buyGoodsToAnotherPartyBIsAcceptedThenFailsWith2028() throws Exception {
        String checkoutId = acceptedCheckoutId(buyGoods(STORE));

        JsonNode callback = MAPPER.readTree(awaitCallback(checkoutId)).path("Body").path("stkCallback");
        assertEquals(2028, callback.get("ResultCode").intValue());
        assertEquals("The request is not permitted according to product assignment",
                callback.get("ResultDesc").textValue());
        assertFalse(callback.has("CallbackMetadata"));
    }

    // --- callback toggles

    @Test
    void droppedCallbackIsDecidedButNeverPosted() throws Exception {
        simulator.dropCallbacks(true);
        String dropped = acceptedCheckoutId(paybill(10));
        simulator.dropCallbacks(false);
        String delivered = acceptedCheckoutId(paybill(11));

        awaitCallback(delivered);
        assertTrue(ALL_RECEIVED_CALLBACKS.stream().noneMatch(body -> body.contains(dropped)));
        assertTrue(simulator.callbacksSent().stream().noneMatch(sent -> sent.checkoutRequestId().equals(dropped)));
        JsonNode answer = json(post("/mpesa/stkpushquery/v1/query", token(), query(dropped).toString()));
        assertEquals("0", answer.get("ResultCode").textValue(), "the outcome exists, only the callback is lost");
    }

    @Test
    void duplicateCallbacksArePostedTwiceWithTheSameBody() throws Exception {
        simulator.duplicateCallbacks(true);
        String checkoutId = acceptedCheckoutId(paybill(10));

        String first = awaitCallback(checkoutId);
        String second = awaitCallback(checkoutId);
        assertEquals(first, second);
        awaitUntil(() -> simulator.callbacksSent().size() == 2);
    }

    // --- query

    @Test
    void queryAnswersPendingThenTheFinalResultAsString() throws Exception {
        simulator.callbackDelay(Duration.ofSeconds(1));
        String checkoutId = acceptedCheckoutId(paybill(1032));

        assertError(post("/mpesa/stkpushquery/v1/query", token(), query(checkoutId).toString()), 500,
                "500.001.1001", "The transaction is being processed");

        awaitCallback(checkoutId);
        HttpResponse<String> response = post("/mpesa/stkpushquery/v1/query", token(), query(checkoutId).toString());
        assertEquals(200, response.statusCode());
        JsonNode answer = json(response);
        assertEquals("0", answer.get("ResponseCode").textValue());
        assertTrue(answer.get("ResultCode").isTextual(), "ResultCode is a string in the Query answer");
        assertEquals("1032", answer.get("ResultCode").textValue());
        assertEquals("Request cancelled by user", answer.get("ResultDesc").textValue());
        assertEquals(checkoutId, answer.get("CheckoutRequestID").textValue());
        assertFalse(answer.toString().contains("MpesaReceiptNumber") || answer.has("Amount"));

        List<ReceivedQuery> queries = simulator.queries();
        assertEquals(2, simulator.queryCount());
        assertEquals(500, queries.get(0).httpStatus());
        assertNull(queries.get(0).resultCode());
        assertEquals("1032", queries.get(1).resultCode());
    }

    @Test
    void queryCanAnswerPendingAs4999() throws Exception {
        simulator.callbackDelay(Duration.ofSeconds(5));
        simulator.queryPendingAs4999(true);
        String checkoutId = acceptedCheckoutId(paybill(10));

        HttpResponse<String> response = post("/mpesa/stkpushquery/v1/query", token(), query(checkoutId).toString());

        assertEquals(200, response.statusCode());
        assertEquals("4999", json(response).get("ResultCode").textValue());
        assertEquals("The transaction is still under processing", json(response).get("ResultDesc").textValue());
    }

    @Test
    void queryRefusesUnknownCheckoutRequestId() throws Exception {
        assertError(post("/mpesa/stkpushquery/v1/query", token(), query("ws_CO_01012026000000123456").toString()),
                400, "400.002.02", "Bad Request - Invalid CheckoutRequestID");
    }

    // --- routing

    @Test
    void unknownPathAndWrongMethodAreRefused() throws Exception {
        assertError(send(HttpRequest.newBuilder(uri("/mpesa/b2c/v1/paymentrequest")).GET()), 404, "404.001.01",
                "Resource not found");
        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(uri("/mpesa/stkpush/v1/processrequest")).GET());
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("405.001", json(wrongMethod).get("errorCode").textValue());
    }

    // --- helpers

    private static ObjectNode paybill(int amount) {
        return pushBody(PAYBILL, PASSKEY, amount);
    }

    private static ObjectNode buyGoods(String partyB) {
        return pushBody(STORE, STORE_PASSKEY, 10)
                .put("TransactionType", "CustomerBuyGoodsOnline")
                .put("PartyB", partyB);
    }

    private static ObjectNode pushBody(String shortcode, String passkey, int amount) {
        String timestamp = eatNow();
        return MAPPER.createObjectNode()
                .put("BusinessShortCode", shortcode)
                .put("Password", password(shortcode, passkey, timestamp))
                .put("Timestamp", timestamp)
                .put("TransactionType", "CustomerPayBillOnline")
                .put("Amount", amount)
                .put("PartyA", PHONE)
                .put("PartyB", shortcode)
                .put("PhoneNumber", PHONE)
                .put("CallBackURL", callbackUrl)
                .put("AccountReference", "INV1001")
                .put("TransactionDesc", "Order 1001");
    }

    private static ObjectNode query(String checkoutId) {
        String timestamp = eatNow();
        return MAPPER.createObjectNode()
                .put("BusinessShortCode", PAYBILL)
                .put("Password", password(PAYBILL, PASSKEY, timestamp))
                .put("Timestamp", timestamp)
                .put("CheckoutRequestID", checkoutId);
    }

    private static String eatNow() {
        return LocalDateTime.now(ZoneId.of("Africa/Nairobi")).format(TIMESTAMP);
    }

    private static String password(String shortcode, String passkey, String timestamp) {
        return Base64.getEncoder().encodeToString((shortcode + passkey + timestamp).getBytes(StandardCharsets.UTF_8));
    }

    private static String basic(String key, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> oauth(String grantType, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/oauth/v1/generate?grant_type=" + grantType)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    private static String token() throws Exception {
        return json(oauth("client_credentials", basic(KEY, SECRET))).get("access_token").textValue();
    }

    private static HttpResponse<String> push(ObjectNode body) throws Exception {
        return post("/mpesa/stkpush/v1/processrequest", token(), body.toString());
    }

    private static String acceptedCheckoutId(ObjectNode body) throws Exception {
        HttpResponse<String> response = push(body);
        assertEquals(200, response.statusCode(), response.body());
        return json(response).get("CheckoutRequestID").textValue();
    }

    private static HttpResponse<String> post(String path, String token, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String pathAndQuery) {
        return URI.create(simulator.baseUrl() + pathAndQuery);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return MAPPER.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String errorCode, String message)
            throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = json(response);
        assertEquals(errorCode, body.get("errorCode").textValue());
        assertEquals(message, body.get("errorMessage").textValue());
        assertNotNull(body.get("requestId"));
    }

    /** The next callback body for this CheckoutRequestID; callbacks of other pushes are skipped. */
    private static String awaitCallback(String checkoutId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String body = RECEIVED_CALLBACKS.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (body != null && body.contains("\"" + checkoutId + "\"")) {
                return body;
            }
        }
        return fail("no callback for " + checkoutId + " within " + WAIT);
    }

    private static JsonNode item(JsonNode stkCallback, String name) {
        for (JsonNode item : stkCallback.path("CallbackMetadata").path("Item")) {
            if (name.equals(item.path("Name").textValue())) {
                return item;
            }
        }
        return fail("no item " + name + " in " + stkCallback);
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("condition not met within " + WAIT);
            }
            Thread.sleep(10);
        }
    }
}
