package io.stkbridge.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.ledger.DuplicateIntentConflictException;
import io.stkbridge.ledger.Intake;
import io.stkbridge.testing.IntentPublisher;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntakeBatchesTest {

    static final TopicPartition P0 = new TopicPartition("intents", 0);
    static final TopicPartition P1 = new TopicPartition("intents", 1);

    final CamelContext context = new DefaultCamelContext();
    /** Only identifies records here, which needs no merchants. */
    final IntentReader reader = new IntentReader(new ObjectMapper(), null, "Payment");
    final ExecutorService workers = Executors.newFixedThreadPool(4);
    final MockConsumer<String, String> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    /** Each record's body names what the record route does: "hold" waits for {@link #release}, "fail" throws. */
    final CountDownLatch release = new CountDownLatch(1);
    final Map<String, Boolean> processed = new ConcurrentHashMap<>();
    final Map<String, Boolean> started = new ConcurrentHashMap<>();
    final List<Exchange> deadLetters = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    private IntakeBatches batches(int threads) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:record").process(exchange -> {
                    String body = exchange.getMessage().getBody(String.class);
                    started.put(body, true);
                    if (body.startsWith("hold")) {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                    }
                    if (body.startsWith("fail")) {
                        throw new IllegalStateException("ledger unreachable");
                    }
                    if (body.startsWith("inconsistent")) {
                        throw new io.stkbridge.ledger.LedgerInconsistentException("intent x conflicts but cannot be found");
                    }
                    if (body.startsWith("down")) {
                        throw new io.stkbridge.ledger.LedgerException(new java.sql.SQLTransientConnectionException(
                                "HikariPool-1 - Connection is not available", "08001", new java.net.ConnectException("refused")));
                    }
                    processed.put(body, true);
                });
                from("direct:dead-letter").process(exchange -> deadLetters.add(exchange.copy()));
                from("direct:intents").routeId(IntakeBatches.INTAKE_ROUTE).to("direct:record");
            }
        });
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        consumer.assign(List.of(P0, P1));
        return new IntakeBatches(reader, ledgerStoring(), workers, threads, new io.stkbridge.WorkSlots(2), template,
                "direct:record", 3, "direct:dead-letter");
    }

    /** What P0 had committed each time the ledger was asked to store what was committed so far. */
    private final List<Long> committedWhenStored = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /** A ledger of which the batches only ask that every commit be stored before offsets are committed. */
    private io.stkbridge.ledger.AttemptLedger ledgerStoring() {
        return new io.stkbridge.ledger.AttemptLedger(null, null, null, null, null, null, null) {
            @Override
            public void awaitStored() {
                committedWhenStored.add(committed(P0));
            }
        };
    }

    @AfterEach
    void stop() {
        release.countDown();
        workers.shutdownNow();
        context.stop();
    }

    private Exchange record(TopicPartition partition, long offset, String value) {
        Exchange record = new DefaultExchange(context);
        record.getMessage().setBody(value);
        record.getMessage().setHeader(KafkaConstants.TOPIC, partition.topic());
        record.getMessage().setHeader(KafkaConstants.PARTITION, partition.partition());
        record.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        return record;
    }

    private Exchange batch(Exchange... records) {
        Exchange batch = new DefaultExchange(context);
        batch.getMessage().setBody(List.of(records));
        return batch;
    }

    private Exchange handOut(IntakeBatches batches, Exchange... records) throws Exception {
        Exchange batch = batch(records);
        batches.begin(batch);
        batches.processRecords(batch);
        return batch;
    }

    private Long committed(TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(java.util.Set.of(partition)).get(partition);
        return offset == null ? null : offset.offset();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** The intent as IntentReader.read makes it, for what IntakeBatches looks at: its id and content hash. */
    private PaymentIntent intent(String json) {
        IntentReader.Identity id = reader.identify(json).orElseThrow();
        return new PaymentIntent(id.intentId(), "ORD-1", 100, "254708374149", "ORD-1", "Payment", "CustomerPayBillOnline",
                "default", null, id.contentHash(), json);
    }

    @Test
    void aDoneBatchIsCommittedOncePerPartitionAfterItsLastOffset() throws Exception {
        IntakeBatches batches = batches(4);
        handOut(batches, record(P0, 7, "a"), record(P1, 3, "b"), record(P0, 8, "c"), record(P1, 2, "d"));
        await("the records", () -> batches.unfinishedRecords() == 0);
        batches.commitDone(consumer);
        assertEquals(9L, committed(P0));
        assertEquals(4L, committed(P1));
        assertEquals(java.util.Collections.singletonList(null), committedWhenStored,
                "the attempts opened without waiting for their store were stored before the offsets were committed");
    }

    @Test
    void theNextBatchIsHandedOutWhileTheFirstIsUnderWayAndNothingIsCommittedPastAnUnfinishedRecord() throws Exception {
        IntakeBatches batches = batches(2);
        // returns although "hold" is still being pushed: only one record is left, fewer than the two threads
        handOut(batches, record(P0, 1, "hold-1"), record(P0, 2, "x-2"));
        handOut(batches, record(P0, 3, "x-3"), record(P1, 1, "y-1"));
        await("the second batch", () -> processed.containsKey("x-3") && processed.containsKey("y-1"));
        batches.commitDone(consumer);
        assertNull(committed(P0), "the first batch is not done: neither batch is committed");
        assertNull(committed(P1), "a later batch waits for the earlier ones");

        release.countDown();
        await("the first batch", () -> batches.unfinishedRecords() == 0);
        batches.commitDone(consumer);
        assertEquals(4L, committed(P0));
        assertEquals(2L, committed(P1));
    }

    @Test
    void aFailedRecordStopsTheCommitsAtItsBatchAndGivesUpTheLaterOnes() throws Exception {
        IntakeBatches batches = batches(4);
        handOut(batches, record(P0, 1, "a-1"));
        await("the first batch", () -> batches.unfinishedRecords() == 0);
        handOut(batches, record(P0, 2, "fail-2"), record(P0, 3, "a-3"));
        handOut(batches, record(P0, 4, "a-4"));
        await("every record", () -> batches.unfinishedRecords() == 0);

        IntakeBatches.UncommittableBatchException failure =
                assertThrows(IntakeBatches.UncommittableBatchException.class, () -> batches.commitDone(consumer));
        assertTrue(failure.getMessage().contains("ledger unreachable"), failure.getMessage());
        assertEquals(2L, committed(P0), "committed up to the failed record, not past it");
        batches.commitDone(consumer);        // the later batches were given up: read again, not committed
        assertEquals(2L, committed(P0));
    }

    /** One read of the records, as the consumer does after a failed batch: hands them out and tries to commit. */
    private boolean readAndCommit(IntakeBatches batches, Exchange... records) throws Exception {
        handOut(batches, records);
        await("the read", () -> batches.unfinishedRecords() == 0);
        try {
            batches.commitDone(consumer);
            return true;
        } catch (IntakeBatches.UncommittableBatchException failed) {
            return false;
        }
    }

    @Test
    void aRecordThatFailsOnEveryReadIsDeadLetteredOnItsLastAllowedReadAndCommittedPast() throws Exception {
        IntakeBatches batches = batches(4);                      // at most 3 failed reads
        assertFalse(readAndCommit(batches, record(P0, 2, "fail-2"), record(P0, 3, "a-3")));
        assertFalse(readAndCommit(batches, record(P0, 2, "fail-2"), record(P0, 3, "a-3")));
        assertEquals(List.of(), deadLetters, "still read again after 2 failed reads");
        assertNull(committed(P0));

        assertTrue(readAndCommit(batches, record(P0, 2, "fail-2"), record(P0, 3, "a-3")));
        assertEquals(4L, committed(P0), "committed past the record only once it is on the dead-letter topic");
        assertEquals(1, deadLetters.size());
        Exchange dead = deadLetters.get(0);
        assertEquals("fail-2", dead.getProperty("rawRecord"), "the record as it came");
        assertEquals(IntakeBatches.FAILED_REPEATEDLY, dead.getMessage().getHeader("stk_error_reason"));
        assertEquals("3", dead.getMessage().getHeader("stk_failed_reads"));
        assertEquals(2L, dead.getMessage().getHeader(KafkaConstants.OFFSET, Long.class));
        assertEquals("ledger unreachable", dead.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage());
    }

    @Test
    void anInconsistentLedgerStopsTheIntakeInsteadOfReadingOrDeadLetteringTheRecordAgainAndAgain() throws Exception {
        IntakeBatches batches = batches(4);
        assertTrue(context.getRouteController().getRouteStatus(IntakeBatches.INTAKE_ROUTE).isStarted());
        assertFalse(readAndCommit(batches, record(P0, 2, "inconsistent-2"), record(P0, 3, "a-3")));
        await("the intake to stop", () -> context.getRouteController().getRouteStatus(IntakeBatches.INTAKE_ROUTE).isStopped());
        assertNull(committed(P0), "its batch is read again once the ledger is repaired");
        assertEquals(List.of(), deadLetters, "the record is not at fault");
    }

    @Test
    void aLedgerOrBrokerOutageIsNeverBlamedOnARecord() throws Exception {
        IntakeBatches batches = batches(4);
        for (int read = 0; read < 6; read++) {
            assertFalse(readAndCommit(batches, record(P0, 2, "down-2"), record(P0, 3, "a-3")));
        }
        assertEquals(List.of(), deadLetters, "a connection failure is the ledger's: the record waits for it");
        assertNull(committed(P0));
    }

    @Test
    void aReadCountsAgainstARecordOnlyWhileOtherRecordsGetThrough() throws Exception {
        IntakeBatches batches = batches(4);
        for (int read = 0; read < 6; read++) {      // alone: only the first read counts, nothing shows the fault is its own
            assertFalse(readAndCommit(batches, record(P0, 2, "fail-2")));
        }
        assertEquals(List.of(), deadLetters);
        // with another record getting through: the 2nd or 3rd such read is its 3rd counted one (the first of them counts
        // only if the other record happened to be done before it failed)
        int reads = 1;
        while (!readAndCommit(batches, record(P0, 2, "fail-2"), record(P0, 3, "a-3"))) {
            assertTrue(++reads <= 3, "dead-lettered by the third read with another record");
        }
        assertTrue(reads >= 2, "not before the second read with another record: " + reads);
        assertEquals(1, deadLetters.size());
        assertEquals(4L, committed(P0));
    }

    @Test
    void stoppingLetsThePushesUnderWayFinishAndBeCommittedAndLeavesNewRecordsForTheNextRun() throws Exception {
        IntakeBatches batches = batches(4);
        handOut(batches, record(P0, 1, "hold-1"), record(P0, 2, "x-2"));
        java.util.concurrent.Future<?> draining = Executors.newSingleThreadExecutor().submit(() -> {
            batches.drain(Duration.ofSeconds(30));
            return null;
        });
        await("the drain to start", () -> {
            try {
                Exchange late = handOutAndReturn(batches, record(P0, 3, "late-3"));
                return late != null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(draining.isDone(), "the stop waits for the push under way");
        release.countDown();
        await("the push under way", () -> batches.unfinishedRecords() == 0);
        while (!draining.isDone()) {               // the consumer keeps polling while the bridge stops
            batches.commitDone(consumer);
            Thread.sleep(5);
        }
        draining.get();
        assertEquals(3L, committed(P0), "what was under way is committed; the record polled while stopping is not");
        assertFalse(processed.containsKey("late-3"), "a record polled while stopping is left for the next run");
    }

    /** Hands a batch out once the intake is draining (before that, returns null and hands nothing out). */
    private Exchange handOutAndReturn(IntakeBatches batches, Exchange record) throws Exception {
        if (!batches.draining()) {
            return null;
        }
        return handOut(batches, record);
    }

    @Test
    void onlyPartitionsThisConsumerHoldsNowAreCommitted() throws Exception {
        IntakeBatches batches = batches(4);
        handOut(batches, record(P0, 5, "a"), record(P1, 6, "b"));
        await("the records", () -> batches.unfinishedRecords() == 0);
        consumer.assign(List.of(P1));          // P0 went to another instance meanwhile
        batches.commitDone(consumer);
        assertNull(committed(P0));
        assertEquals(7L, committed(P1));
    }

    @Test
    void recordsOfARevokedPartitionThatHaveNotStartedAreDroppedAndNeverCommitted() throws Exception {
        IntakeBatches batches = batches(4);                  // two working slots: the P1 records wait for one
        handOut(batches, record(P0, 1, "hold-1"), record(P0, 2, "hold-2"), record(P1, 1, "x-1"), record(P1, 2, "x-2"));
        await("the P0 records to start", () -> started.containsKey("hold-1") && started.containsKey("hold-2"));
        batches.partitionsRevoked(List.of(P1));             // on the consumer thread, inside a poll
        release.countDown();
        await("the records", () -> batches.unfinishedRecords() == 0);

        assertFalse(started.containsKey("x-1") || started.containsKey("x-2"), "not started after the revocation");
        assertEquals(2, batches.droppedAtRebalance());
        batches.commitDone(consumer);                        // P1 assigned again meanwhile (an eager rebalance gives all back)
        assertEquals(3L, committed(P0), "the records already under way finish and are committed");
        assertNull(committed(P1), "the dropped records are read again from the committed offset, not skipped");
    }

    @Test
    void recordsPolledBeforeTheirPartitionWasRevokedButHandedOverAfterAreDroppedAndTheReadAgainOnesCommitted()
            throws Exception {
        IntakeBatches batches = batches(4);
        batches.subscribed();
        batches.polled(polled(P1, 5, 6));          // camel-kafka keeps them for a fuller batch
        batches.partitionsRevoked(List.of(P1));
        batches.polled(polled(P1, 3, 4, 5, 6));    // assigned back: read again from the committed offset, 3
        handOut(batches, record(P1, 5, "stale-5"), record(P1, 6, "stale-6"), record(P1, 3, "a-3"), record(P1, 4, "a-4"));
        handOut(batches, record(P1, 5, "a-5"), record(P1, 6, "a-6"));
        await("the records", () -> batches.unfinishedRecords() == 0);

        assertEquals(java.util.Set.of("a-3", "a-4", "a-5", "a-6"), started.keySet());
        assertEquals(2, batches.droppedAtRebalance());
        batches.commitDone(consumer);
        assertEquals(7L, committed(P1));
    }

    private static org.apache.kafka.clients.consumer.ConsumerRecords<Object, Object> polled(TopicPartition partition,
                                                                                             long... offsets) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object>> records = new java.util.ArrayList<>();
        for (long offset : offsets) {
            records.add(new org.apache.kafka.clients.consumer.ConsumerRecord<>(partition.topic(), partition.partition(),
                    offset, null, "r"));
        }
        return new org.apache.kafka.clients.consumer.ConsumerRecords<>(Map.of(partition, records));
    }

    @Test
    void anIntentTwiceInOneBatchIsRecordedOnlyForItsFirstCopy() throws Exception {
        IntakeBatches batches = batches(4);
        String intent = IntentPublisher.intent("twice", "ORD-1", 100, "0708374149");
        String conflicting = IntentPublisher.intent("twice", "ORD-1", 999, "0708374149");
        Exchange batch = batch(record(P0, 1, "not json"), record(P0, 2, intent), record(P0, 3, intent), record(P0, 4, conflicting));
        batches.begin(batch);

        Intake again = batches.open(intent(intent), worker(batch, 2));
        assertFalse(again.pushNow());
        assertNull(again.attempt());
        PaymentIntent other = intent(conflicting);
        assertThrows(DuplicateIntentConflictException.class, () -> batches.open(other, worker(batch, 3)));
        // the first copy goes to the ledger (here: none, so it fails)
        assertThrows(NullPointerException.class, () -> batches.open(intent(intent), worker(batch, 1)));
    }

    @Test
    void aCopyArrivingWhileAnEarlierOneIsPushedWaitsForItAndThenAsksTheLedger() throws Exception {
        java.util.List<String> ledgerCalls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.stkbridge.ledger.AttemptLedger ledger = new io.stkbridge.ledger.AttemptLedger(null, null, null, null, null, null, null) {
            @Override
            public Intake open(PaymentIntent intent) {
                ledgerCalls.add(intent.intentId() + (ledgerCalls.isEmpty() ? " opened" : " redelivered"));
                return new Intake(null, ledgerCalls.size() == 1);
            }
        };
        String intent = IntentPublisher.intent("again", "ORD-9", 100, "0708374149");
        CountDownLatch firstPushUnderWay = new CountDownLatch(1);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:open-and-push").process(exchange -> {
                    Intake intake = intakeBatches.open(intent(exchange.getMessage().getBody(String.class)), exchange);
                    if (intake.pushNow()) {
                        firstPushUnderWay.countDown();
                        assertTrue(release.await(30, TimeUnit.SECONDS));      // the push waits for Daraja
                        ledgerCalls.add("first push answered");
                    }
                });
            }
        });
        context.start();
        intakeBatches = new IntakeBatches(reader, ledger, workers, 4, new io.stkbridge.WorkSlots(2),
                context.createProducerTemplate(), "direct:open-and-push", 3, "direct:dead-letter");
        consumer.assign(List.of(P0, P1));

        handOut(intakeBatches, record(P0, 1, intent));
        assertTrue(firstPushUnderWay.await(30, TimeUnit.SECONDS));
        handOut(intakeBatches, record(P1, 1, intent));        // the producer's retry, in the next batch
        release.countDown();
        await("both copies", () -> intakeBatches.unfinishedRecords() == 0);
        // the second copy waited for the first push to be answered before the ledger saw it
        assertEquals(List.of("again opened", "first push answered", "again redelivered"), ledgerCalls);
    }

    @Test
    void aFailedSharedRateLimitIsNeverTheRecordsFaultWhateverItsCause() {
        // a push that could not get its turn from the ledger's rate-limit table is read again, never dead-lettered
        assertFalse(IntakeBatches.blamesTheRecord(new io.stkbridge.daraja.TpsLimiter.RateLimitUnavailableException(
                "the push rate limit could not be read", new IllegalStateException("unreadable bucket state"))));
        assertTrue(IntakeBatches.blamesTheRecord(new IllegalStateException("the record's own")));
    }

    IntakeBatches intakeBatches;

    /** The exchange a worker gets for the record at {@code index}. */
    private static Exchange worker(Exchange batch, int index) {
        Exchange worker = batch.copy();
        worker.setProperty(IntakeBatches.INDEX, index);
        return worker;
    }
}
