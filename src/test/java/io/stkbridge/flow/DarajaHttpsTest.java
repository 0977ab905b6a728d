package io.stkbridge.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.stkbridge.testing.TestStack;
import org.apache.camel.component.http.HttpComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production path: Daraja over https, its certificate trusted through DARAJA_TRUSTSTORE_FILE, with the configured
 * timeouts and connection pool (camel-http's https component has its own, 180 s and 20 per host by default).
 */
class DarajaHttpsTest {

    static final Duration BOUND = Duration.ofSeconds(30);
    /** Far longer than the wait below: a read timeout that did not apply to https could not end the push in time. */
    static final Duration SLOW_ANSWER = Duration.ofSeconds(120);
    static TestStack stack;

    @BeforeAll
    static void start() {
        Map<String, String> properties = new HashMap<>(TestStack.FAST_SWEEPER);
        properties.put("camel.component.https.so-timeout", "1000");
        properties.put("camel.component.https.response-timeout", "1000");
        properties.put("stk.max-in-flight", "40");
        stack = TestStack.startWithTls(properties, SLOW_ANSWER);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @BeforeEach
    void forgetEarlierRequests() {
        stack.daraja.reset();
    }

    @Test
    void aPaymentGoesThroughDarajaOverHttps() {
        assertTrue(stack.daraja.baseUrl().startsWith("https://"));
        JsonNode paid = stack.outcomes.awaitFinal(stack.pay(100), BOUND);
        assertEquals("SUCCEEDED", paid.path("status").asText(), paid.toString());
        assertEquals("CALLBACK", paid.path("source").asText());

        stack.daraja.dropCallbacks(true);
        JsonNode queried = stack.outcomes.awaitFinal(stack.pay(101), BOUND);
        assertEquals("SUCCEEDED", queried.path("status").asText(), "STK Query over https: " + queried);
        assertEquals("QUERY", queried.path("source").asText());
        assertTrue(stack.daraja.tokenRequestCount() <= 1, "the token is reused");
    }

    @Test
    void theConfiguredReadTimeoutEndsAnHttpsPushThatGetsNoAnswer() {
        stack.daraja.dropCallbacks(true);
        JsonNode outcome = stack.outcomes.awaitFinal(stack.pay(6000), BOUND);
        assertEquals("UNKNOWN", outcome.path("status").asText(), outcome.toString());
        assertEquals("PUSH_OUTCOME_UNKNOWN", outcome.path("reason").asText());
        assertTrue(outcome.path("resultDesc").asText().contains("SocketTimeoutException"), outcome.toString());
        assertEquals(1, stack.daraja.pushRequestCount(), "sent once, never again");
    }

    @Test
    void theHttpsPoolHoldsEveryPushInFlight() {
        HttpComponent https = stack.app.context().getComponent("https", HttpComponent.class);
        assertEquals(60, https.getConnectionsPerRoute(), "STK_MAX_IN_FLIGHT + 20");
        assertTrue(https.isAutomaticRetriesDisabled(), "no library re-sends a push");
        assertTrue(https.getSslContextParameters() != null, "Daraja's certificate is checked against the trust store");
    }
}
