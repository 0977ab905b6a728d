package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.stkbridge.StkMetrics;
import io.stkbridge.kafka.OutcomeRecords;
import io.stkbridge.outcome.OutcomeEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.stkbridge.testing.OutcomeCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real outcome-relay route on an H2 outbox, with Kafka replaced by a slow stand-in: once half of a batch's claim has
 * passed, the route stops starting chunks and the next poll goes on, oldest first, each event once. The outbox's clock
 * is the test's: each chunk the stand-in takes moves it on by more than half the lease, so what the route sees does not
 * depend on how busy the machine is.
 */
class OutboxRelayRouteTest {

    @Test
    void aSlowBatchStopsAtHalfItsLeaseAndTheNextPollGoesOnInOrder() throws Exception {
        try (TestLedger ledger = TestLedger.open("H2")) {
            OffsetDateTime t = OffsetDateTime.now();
            List<String> recorded = new ArrayList<>();
            for (int i = 0; i < 1200; i++) {
                recorded.add(ledger.eventId(ledger.event("a-" + (i % 3), "ORDER-" + (i % 3), t, null)));
            }
            List<Integer> batches = new CopyOnWriteArrayList<>();
            Duration lease = Duration.ofMillis(300);
            MovableClock clock = new MovableClock();
            Outbox outbox = new Outbox(ledger.transactions, clock, 2000, lease, "inst-a") {
                @Override
                public List<OutcomeEvent> claimBatch() {
                    List<OutcomeEvent> claimed = super.claimBatch();
                    if (!claimed.isEmpty()) {
                        batches.add(claimed.size());
                    }
                    return claimed;
                }
            };
            List<String> published = new CopyOnWriteArrayList<>();

            CamelContext context = new DefaultCamelContext();
            Properties properties = new Properties();
            properties.setProperty("stk.outbox.poll-interval-ms", "20");
            properties.setProperty("stk.topic.outcomes", "outcomes");
            properties.setProperty("kafka.bootstrap-servers", "localhost:1");
            context.getPropertiesComponent().setInitialProperties(properties);
            context.getRegistry().bind("outbox", outbox);
            context.getRegistry().bind("outcomeRecords", new OutcomeRecords());
            context.getRegistry().bind("stkMetrics", new StkMetrics(SimpleMeterRegistry::new));
            PluginHelper.getRoutesLoader(context).loadRoutes(
                    ResourceHelper.resolveMandatoryResource(context, "classpath:routes/outcome-relay.camel.yaml"));
            AdviceWith.adviceWith(context, "outcome-relay", route -> route.weaveById("publish-outcome").replace()
                    .process(exchange -> {
                        // a slow broker: one chunk takes more than half the lease
                        clock.advance(lease.multipliedBy(6).dividedBy(10));
                        for (Object event : exchange.getProperty("events", List.class)) {
                            published.add(((OutcomeEvent) event).eventId());
                        }
                    }));
            context.start();
            try {
                await(Duration.ofSeconds(30), "every event published", () -> published.size() >= recorded.size()
                        && "0".equals(ledger.value("SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL")));
            } finally {
                context.stop();
            }
            assertEquals(recorded, published, "each event once, oldest first");
            assertEquals(1200, batches.get(0), "the first poll claimed every event");
            assertEquals(List.of(1200, 700, 200), batches, "the batch was cut after one chunk of 500, at half its lease, and resumed");
        }
    }
}
