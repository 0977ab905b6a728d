package io.stkbridge.ledger;

import io.stkbridge.testing.MovableClock;
import io.stkbridge.outcome.OutcomeEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outbox relay's claims, as several instances on one ledger make them: disjoint batches, per-orderId order across
 * instances, leases that pass a dead instance's events to the others. On H2 and on PostgreSQL.
 */
class OutboxClaimsTest {

    static final Duration LEASE = Duration.ofSeconds(30);

    private static List<String> ids(List<OutcomeEvent> events) {
        return events.stream().map(OutcomeEvent::eventId).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void instancesClaimDisjointBatchesAndNeverOvertakeAnOlderEventOfTheSameOrder(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime t = clock.offsetNow();
            long x1 = ledger.event("a-x", "ORDER-X", t, null);
            long y1 = ledger.event("a-y", "ORDER-Y", t, null);
            long x2 = ledger.event("a-x", "ORDER-X", t, null);
            long z1 = ledger.event("a-z", "ORDER-Z", t, null);
            Outbox a = new Outbox(ledger.transactions, clock, 2, LEASE, "inst-a");
            Outbox b = new Outbox(ledger.transactions, clock, 10, LEASE, "inst-b");

            assertEquals(List.of(ledger.eventId(x1), ledger.eventId(y1)), ids(a.claimBatch()));
            // B skips what A holds, and X's second event, which must wait until A has published X's first
            assertEquals(List.of(ledger.eventId(z1)), ids(b.claimBatch()));
            assertEquals(List.of(ledger.eventId(z1)), ids(b.claimBatch()), "B's own claim again, still nothing of X");

            a.markPublished(ledger.eventId(x1));
            List<String> next = ids(b.claimBatch());
            assertTrue(next.contains(ledger.eventId(x2)), "X's second event is free once the first is on Kafka: " + next);
            assertEquals("inst-b", ledger.value("SELECT claimed_by FROM stk_outbox WHERE outbox_id = ?", x2));
            // A claims again: it still holds Y (its own claim), never X's second event (B's now)
            assertEquals(List.of(ledger.eventId(y1)), ids(a.claimBatch()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aClaimBeingMadeByAnotherInstanceIsSkippedWithTheNewerEventsOfItsOrders(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime t = clock.offsetNow();
            long x1 = ledger.event("a-x", "ORDER-X", t, null);
            long y1 = ledger.event("a-y", "ORDER-Y", t, null);
            long x2 = ledger.event("a-x", "ORDER-X", t, null);
            Outbox b = new Outbox(ledger.transactions, clock, 10, LEASE, "inst-b");
            // another instance has locked X's first event in a claim it has not committed yet
            try (Connection other = ledger.dataSource.getConnection()) {
                other.setAutoCommit(false);
                try (PreparedStatement lock = other.prepareStatement(
                        "SELECT outbox_id FROM stk_outbox WHERE outbox_id = ? FOR UPDATE")) {
                    lock.setLong(1, x1);
                    try (ResultSet row = lock.executeQuery()) {
                        assertTrue(row.next());
                    }
                }
                assertEquals(List.of(ledger.eventId(y1)), ids(b.claimBatch()));
                other.rollback();
            }
            assertEquals(List.of(ledger.eventId(x1), ledger.eventId(y1), ledger.eventId(x2)), ids(b.claimBatch()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aDeadInstancesClaimsPassToAnotherWhenTheLeaseExpires(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            OffsetDateTime t = clock.offsetNow();
            long x1 = ledger.event("a-x", "ORDER-X", t, null);
            long x2 = ledger.event("a-x", "ORDER-X", t, null);
            Outbox dead = new Outbox(ledger.transactions, clock, 1, LEASE, "inst-dead");
            Outbox alive = new Outbox(ledger.transactions, clock, 10, LEASE, "inst-alive");
            assertEquals(List.of(ledger.eventId(x1)), ids(dead.claimBatch()));
            assertEquals(List.of(), ids(alive.claimBatch()));

            clock.advance(LEASE.plusSeconds(1));
            assertEquals(List.of(ledger.eventId(x1), ledger.eventId(x2)), ids(alive.claimBatch()));
            assertEquals(List.of("inst-alive", "inst-alive"),
                    ledger.column("SELECT claimed_by FROM stk_outbox ORDER BY outbox_id"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void aBatchStopsStartingEventsOnceHalfItsLeaseHasPassed(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            MovableClock clock = new MovableClock();
            ledger.event("a-x", "ORDER-X", clock.offsetNow(), null);
            Outbox outbox = new Outbox(ledger.transactions, clock, 10, LEASE, "inst-a");
            outbox.claimBatch();
            assertTrue(!outbox.claimLapsed());
            clock.advance(LEASE.dividedBy(2).plusMillis(1));
            assertTrue(outbox.claimLapsed());
            clock.advance(Duration.ofSeconds(-20));
            assertTrue(outbox.claimLapsed(), "stays lapsed for the rest of the batch");
            outbox.claimBatch();
            assertTrue(!outbox.claimLapsed(), "a new claim is fresh");
        }
    }

    /** Four relays drain one outbox concurrently: each event published once, and per order in the recorded order. */
    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void concurrentRelaysPublishEveryEventOnceAndInOrderPerOrder(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database)) {
            OffsetDateTime t = OffsetDateTime.now();
            int orders = 60;
            int eventsPerOrder = 5;
            Map<String, Long> outboxIdByEvent = new HashMap<>();
            for (int round = 0; round < eventsPerOrder; round++) {
                for (int order = 0; order < orders; order++) {
                    long id = ledger.event("a-" + order, "ORDER-" + order, t, null);
                    outboxIdByEvent.put(ledger.eventId(id), id);
                }
            }
            List<String> published = new CopyOnWriteArrayList<>();
            Map<String, List<Long>> perOrder = new ConcurrentHashMap<>();
            Map<String, String> publisher = new ConcurrentHashMap<>();
            List<String> overlaps = new CopyOnWriteArrayList<>();
            Set<String> inFlight = ConcurrentHashMap.newKeySet();
            ExecutorService relays = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    String instance = "inst-" + r;
                    Outbox outbox = new Outbox(ledger.transactions, java.time.Clock.systemUTC(), 7, LEASE, instance);
                    running.add(relays.submit(() -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (published.size() < orders * eventsPerOrder && System.nanoTime() < deadline) {
                            for (OutcomeEvent event : outbox.claimBatch()) {
                                if (!inFlight.add(event.eventId())) {
                                    overlaps.add(event.eventId());
                                }
                                perOrder.computeIfAbsent(event.key(), k -> Collections.synchronizedList(new ArrayList<>()))
                                        .add(outboxIdByEvent.get(event.eventId()));
                                published.add(event.eventId());
                                publisher.merge(event.eventId(), instance, (x, y) -> x + "," + y);
                                inFlight.remove(event.eventId());
                                outbox.markPublished(event.eventId());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> relay : running) {
                    relay.get(90, TimeUnit.SECONDS);
                }
            } finally {
                relays.shutdownNow();
            }
            assertEquals(List.of(), overlaps, "events published by two relays at once");
            assertEquals(orders * eventsPerOrder, published.size(), "published: " + published.size());
            assertEquals(orders * eventsPerOrder, new HashSet<>(published).size(), "an event was published twice");
            perOrder.forEach((order, sequence) -> {
                List<Long> sorted = new ArrayList<>(sequence);
                Collections.sort(sorted);
                assertEquals(sorted, sequence, order + " published out of order");
            });
            assertTrue(publisher.values().stream().distinct().count() > 1, "the work was shared: " + new HashSet<>(publisher.values()));
            assertEquals("0", ledger.value("SELECT COUNT(*) FROM stk_outbox WHERE published_at IS NULL"));
        }
    }
}
