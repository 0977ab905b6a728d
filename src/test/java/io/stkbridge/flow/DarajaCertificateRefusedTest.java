package io.stkbridge.flow;

import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.outcome.Status;
import io.stkbridge.testing.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Daraja's certificate not trusted (no DARAJA_TRUSTSTORE_FILE for the test's own certificate): the TLS handshake fails
 * before any byte of a push is sent, so the attempt waits DEFERRED, like Daraja being unreachable. Never UNKNOWN.
 */
class DarajaCertificateRefusedTest {

    static final Duration BOUND = Duration.ofSeconds(60);
    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = TestStack.startWithTls(Map.of("daraja.truststore-file", "", "daraja.outage-give-up-ms", "600000"),
                Duration.ofSeconds(4));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void anUntrustedCertificateDefersThePushAndSendsNothing() {
        String intentId = stack.pay(100);
        AttemptLedger ledger = stack.ledger();
        await(BOUND, "the attempt to wait DEFERRED", () ->
                ledger.findByIntent(intentId).map(a -> a.status() == Status.DEFERRED).orElse(false));
        assertEquals(0, stack.daraja.pushRequestCount(), "nothing reached Daraja");
        assertEquals(0, stack.daraja.tokenRequestCount(), "not even the token request");
        assertEquals(List.of(), stack.outcomes.eventsOf(intentId), "no outcome: the push waits for a trusted Daraja");
    }
}
