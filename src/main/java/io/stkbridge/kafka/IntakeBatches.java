package io.stkbridge.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.stkbridge.Tracing;
import io.stkbridge.WorkSlots;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.DuplicateIntentConflictException;
import io.stkbridge.ledger.Intake;
import io.stkbridge.ledger.LedgerInconsistentException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The intake's batches of intent records. Each record is processed (read, attempt recorded, pushed) on one of the
 * intake threads; a batch's offsets are committed once every record of it and of every earlier batch is done, on the
 * Kafka consumer thread (KafkaConsumer is not thread-safe), by {@link #commitDone} after each poll.
 * <p>
 * Batches overlap: the consumer thread hands a batch to the intake threads and returns for the next one as soon as the
 * threads have no more records waiting than they can start at once, instead of waiting for the batch's slowest push.
 * Otherwise the threads would idle at the end of every batch (about a fifth of the time with 1 s pushes).
 * <p>
 * A record whose processing fails without being handled (ledger or broker unreachable) stops the commits at its batch:
 * {@link #commitDone} then fails, the consumer reconnects ({@code pollOnError=RECONNECT}) and reads again from the last
 * committed offset, which is before that record. The ledger makes the records read twice harmless.
 * <p>
 * A record that fails the same way on every read would stall its partition for ever. Its failed reads are counted (per
 * instance, by topic, partition and offset); the read that reaches {@code maxFailedReads} sends it to the dead-letter
 * topic ({@link #FAILED_REPEATEDLY}) instead of failing its batch, and it counts as done. Only failures that are the
 * record's own are counted: not the ledger or a broker being unreachable (connection, timeout, resources, I/O), and
 * after the first, only reads while other records get through (a ledger that fails for everything stalls the intake,
 * it does not dead-letter every intent). The record is on the dead-letter topic before its offset can be committed, so
 * nothing is skipped silently; and it is never pushed again, as no record read again is.
 * <p>
 * An intent delivered twice is pushed once: a later copy in the same batch does nothing (or is a conflict, if its
 * content differs); a copy that arrives while an earlier one is still being processed on another intake thread waits
 * for it to finish, then asks the ledger, which knows the attempt by then.
 * <p>
 * When partitions are revoked or lost (a rebalance: another instance joined or left, or this one was away past its
 * session), records of them that no intake thread has started yet are dropped, and no offset of them is committed from
 * the batches read before: their new owner reads them from the last committed offset. Records already started finish
 * (the ledger makes the new owner's copy harmless). This is told on the consumer thread, inside the poll, before the
 * group hands the partitions to another member ({@link IntakeConsumer}), so no record is started here after that.
 */
public class IntakeBatches {

    static final String BATCH = "intakeBatch";
    /** The record's position in its batch, on the exchange that processes it. */
    static final String INDEX = "intakeBatchIndex";
    /** The intent this record's exchange is processing, once it started to: released when the record is done. */
    private static final String CLAIMED_INTENT = "intakeClaimedIntent";
    private static final Logger LOG = LoggerFactory.getLogger(IntakeBatches.class);
    /** When stopping, how long the records' batches may wait for the consumer's next poll to commit them. */
    private static final Duration COMMIT_WAIT_WHEN_STOPPING = Duration.ofSeconds(3);
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    /** The reason on the dead-letter record of a record that failed on {@code maxFailedReads} reads. */
    public static final String FAILED_REPEATEDLY = "PROCESSING_FAILED_REPEATEDLY";
    /** The route that consumes the intents (routes/intake.camel.yaml). */
    public static final String INTAKE_ROUTE = "intake";
    /** SQLState classes of the database's failures, not a record's: connection, rollback, resources, operator, system. */
    private static final Set<String> TRANSIENT_SQL_STATE_CLASSES = Set.of("08", "40", "53", "57", "58");

    private record FirstCopy(int index, String contentHash) {
    }

    /** A record's failed reads so far, and how many records were done when the last counted one was handed out. */
    private record FailedReads(int reads, long doneBefore) {
    }

    private record Claim(String intentId, CompletableFuture<Void> done) {
    }

    /** One polled batch: its records, each partition's last offset in it, and how many records are not done yet. */
    static final class Batch {
        /** Each record's topic-partition. */
        private final List<TopicPartition> partitions;
        /** Partitions revoked (or lost) since the batch was handed out: none of its records of them starts, none is committed. */
        private final Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();
        private final long startedNanos = System.nanoTime();
        /** The records as polled; each worker gets a copy, so that these stay as they came (for the dead-letter topic). */
        private final List<Message> records;
        /** Each record's topic-partition@offset. */
        private final List<String> positions;
        private final Map<String, FirstCopy> firstCopies;
        private final Map<TopicPartition, Long> lastOffsets;
        private final AtomicInteger unfinished;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        /** How many records (of any batch) were done when this one was handed out. */
        private volatile long doneBeforeHandOut;
        /** Polled while stopping: none of its records is processed, and it is never committed. */
        private volatile boolean leftForNextRun;

        private Batch(List<Message> records, List<TopicPartition> partitions, List<String> positions,
                      Map<String, FirstCopy> firstCopies, Map<TopicPartition, Long> lastOffsets) {
            this.records = records;
            this.partitions = partitions;
            this.positions = positions;
            this.firstCopies = firstCopies;
            this.lastOffsets = lastOffsets;
            this.unfinished = new AtomicInteger(records.size());
        }

        boolean done() {
            return unfinished.get() == 0;
        }
    }

    /** Thrown on the consumer thread when a batch cannot be committed: the consumer reads again from its committed offsets. */
    public static final class UncommittableBatchException extends RuntimeException {
        UncommittableBatchException(String message, Exception cause) {
            super(message, cause);
        }
    }

    private final IntentReader reader;
    private final AttemptLedger ledger;
    private final ExecutorService workers;
    private final int threads;
    private final WorkSlots slots;
    private final ProducerTemplate template;
    private final String recordRoute;
    private final int maxFailedReads;
    private final String deadLetterRoute;
    /** Failed reads of records that have not got through since, by position; on the intake threads. */
    private final Map<String, FailedReads> failedReads = new ConcurrentHashMap<>();
    private final AtomicLong recordsDone = new AtomicLong();
    /** Batches in the order they were polled, not committed yet; added and removed on the consumer thread only. */
    private final ConcurrentLinkedDeque<Batch> uncommitted = new ConcurrentLinkedDeque<>();
    private final AtomicInteger unfinishedRecords = new AtomicInteger();
    private final Map<String, CompletableFuture<Void>> intentsInProgress = new ConcurrentHashMap<>();
    /**
     * Per partition, records polled that camel-kafka has not handed to {@link #begin} yet (it gathers a batch over several
     * polls), and how many of those were polled before the partition's last revocation: they come first, and are
     * dropped when they arrive. On the consumer thread only.
     */
    private final Map<TopicPartition, Integer> polledNotBegun = new HashMap<>();
    private final Map<TopicPartition, Integer> polledBeforeRevocation = new HashMap<>();
    private final AtomicLong droppedAtRebalance = new AtomicLong();
    /** Notified when a record is done and when batches are committed. */
    private final Object progress = new Object();
    private volatile boolean draining;

    /**
     * @param workers     the intake threads: as many as records may be processed at once (STK_MAX_IN_FLIGHT)
     * @param threads     how many they are
     * @param slots       how many of them may work on the CPU at once (the others wait for Daraja, or for a slot)
     * @param template    sends each record to {@code recordRoute} on one of the workers
     * @param recordRoute the route that processes one record (read, record the attempt, push)
     * @param maxFailedReads  after how many failed reads a record goes to the dead-letter topic (STK_INTAKE_MAX_FAILED_READS)
     * @param deadLetterRoute the route that publishes a record to the dead-letter topic (body {@code rawRecord}, reason in
     *                        the {@code stk_error_reason} header, the failure as the exchange's caught exception)
     */
    public IntakeBatches(IntentReader reader, AttemptLedger ledger, ExecutorService workers, int threads, WorkSlots slots,
                         ProducerTemplate template, String recordRoute, int maxFailedReads, String deadLetterRoute) {
        this.maxFailedReads = maxFailedReads;
        this.deadLetterRoute = deadLetterRoute;
        this.slots = slots;
        this.reader = reader;
        this.ledger = ledger;
        this.workers = workers;
        this.threads = threads;
        this.template = template;
        this.recordRoute = recordRoute;
    }

    /**
     * Called on the consumer thread with the batch camel-kafka polled (a list of one exchange per record). Returns the
     * records' messages, in order; keeps what the workers and the commit need in an exchange property.
     */
    public List<Message> begin(Exchange exchange) {
        List<?> polled = exchange.getMessage().getBody(List.class);
        List<Message> records = new ArrayList<>(polled == null ? 0 : polled.size());
        List<TopicPartition> partitions = new ArrayList<>(records.size());
        List<String> positions = new ArrayList<>(records.size());
        Map<String, FirstCopy> firstCopies = new HashMap<>();
        Map<TopicPartition, Long> lastOffsets = new LinkedHashMap<>();
        int dropped = 0;
        for (Object item : polled == null ? List.of() : polled) {
            Message record = ((Exchange) item).getMessage();
            TopicPartition partition = new TopicPartition(record.getHeader(KafkaConstants.TOPIC, String.class),
                    record.getHeader(KafkaConstants.PARTITION, Integer.class));
            if (polledBeforeItsRevocation(partition)) {
                dropped++;
                continue;
            }
            int index = records.size();
            records.add(record);
            partitions.add(partition);
            reader.identify(record.getBody(String.class))
                    .ifPresent(id -> firstCopies.putIfAbsent(id.intentId(), new FirstCopy(index, id.contentHash())));
            Long offset = record.getHeader(KafkaConstants.OFFSET, Long.class);
            lastOffsets.merge(partition, offset, Math::max);
            positions.add(partition + "@" + offset);
        }
        if (dropped > 0) {
            droppedAtRebalance.addAndGet(dropped);
            LOG.info("Rebalance: {} intent record(s) polled before their partition was revoked dropped (not started, not "
                    + "committed; the partition's owner reads them from its committed offset)", dropped);
        }
        exchange.setProperty(BATCH, new Batch(records, partitions, positions, firstCopies, lastOffsets));
        LOG.debug("Intake batch of {} record(s) on {} partition(s)", records.size(), lastOffsets.size());
        return records;
    }

    /**
     * Hands every record of the batch to the intake threads, each in its own exchange, and returns once the threads have
     * no more records waiting than they can start at once (or the batch failed, or the application is stopping), so that
     * the next batch is polled while this one's pushes are still under way.
     */
    public void processRecords(Exchange exchange) throws InterruptedException {
        Batch batch = exchange.getProperty(BATCH, Batch.class);
        if (draining) {
            batch.leftForNextRun = true;
            batch.unfinished.set(0);
            uncommitted.add(batch);
            LOG.info("Stopping: {} intent record(s) polled now are left for the next run", batch.records.size());
            return;
        }
        uncommitted.add(batch);
        batch.doneBeforeHandOut = recordsDone.get();
        for (int index = 0; index < batch.records.size(); index++) {
            Exchange work = new DefaultExchange(exchange.getContext());
            work.setIn(batch.records.get(index).copy());
            Tracing.traceContextAsText(work.getIn());
            work.setProperty(BATCH, batch);
            work.setProperty(INDEX, index);
            unfinishedRecords.incrementAndGet();
            try {
                workers.execute(() -> process(batch, work));
            } catch (RejectedExecutionException e) {
                finished(batch, work, e);
            }
        }
        awaitProgress(() -> unfinishedRecords.get() <= threads || batch.failure.get() != null
                || exchange.getContext().isStopping(), NO_DEADLINE);
    }

    private void process(Batch batch, Exchange work) {
        Exception failure = null;
        try {
            if (work.getContext().isStopping()) {
                // stopping: a record not started yet is left for the next run (its batch stays uncommitted), so that
                // shutting down waits only for the pushes already under way
                failure = new RejectedExecutionException("stk-bridge is stopping: record left for the next run");
            } else {
                Exchange done = slots.work(() -> revoked(batch, work) ? null : template.send(recordRoute, work));
                failure = done == null ? null : afterRead(batch, work, done.getException());
            }
        } catch (Exception e) {
            failure = e;
        } finally {
            finished(batch, work, failure);
        }
    }

    /**
     * Counts a failed read of a record (see the class comment). The read that reaches {@code maxFailedReads} sends the
     * record to the dead-letter topic instead. Returns the failure that stands for the batch: null when the record is
     * done, also when it was dead-lettered.
     */
    private Exception afterRead(Batch batch, Exchange work, Exception failure) {
        int index = work.getProperty(INDEX, Integer.class);
        String position = batch.positions.get(index);
        if (failure == null) {
            recordsDone.incrementAndGet();
            if (!failedReads.isEmpty()) {
                failedReads.remove(position);
            }
            return null;
        }
        if (inconsistentLedger(failure)) {
            stopIntake(work.getContext(), position, failure);
            return failure;
        }
        if (!blamesTheRecord(failure)) {
            return failure;
        }
        // the first failed read counts; a later one only if another record got through since the last counted one was
        // handed out (all of that read's records were done before this read began): else the fault may be everyone's
        long done = recordsDone.get();
        FailedReads counted = failedReads.merge(position, new FailedReads(1, batch.doneBeforeHandOut), (before, first) ->
                done > before.doneBefore() ? new FailedReads(before.reads() + 1, batch.doneBeforeHandOut) : before);
        if (counted.reads() < maxFailedReads) {
            LOG.warn("Intent record {} failed ({} of at most {} failed reads before it is dead-lettered): {}", position,
                    counted.reads(), maxFailedReads, failure.toString());
            return failure;
        }
        Message record = batch.records.get(index);
        Exchange dead = new DefaultExchange(work.getContext());
        dead.setIn(record.copy());
        dead.setProperty("rawRecord", record.getBody(String.class));
        dead.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        dead.getIn().setHeader("stk_error_reason", FAILED_REPEATEDLY);
        dead.getIn().setHeader("stk_failed_reads", String.valueOf(counted.reads()));
        Exception notPublished = template.send(deadLetterRoute, dead).getException();
        if (notPublished != null) {
            failure.addSuppressed(notPublished);
            LOG.error("Intent record {} failed on {} reads but could not be dead-lettered ({}): its batch is read again",
                    position, counted.reads(), notPublished.toString());
            return failure;
        }
        failedReads.remove(position);
        LOG.error("Intent record {} failed on {} counted reads: sent to the dead-letter topic as {} (needs review): {}",
                position, counted.reads(), FAILED_REPEATEDLY, failure.toString());
        return null;
    }

    private static boolean inconsistentLedger(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof LedgerInconsistentException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A ledger that contradicts itself is no record's fault, and reading on would fail the same way for ever (or push
     * an intent whose attempt the ledger lost): the intake is stopped, its batch left uncommitted, until an operator
     * repairs the ledger and restarts. Stopped from a thread of its own: the intake's graceful stop waits for its batch.
     */
    private static void stopIntake(CamelContext context, String position, Exception failure) {
        LOG.error("Intent record {}: {}", position, failure.getMessage());
        Thread stopper = new Thread(() -> {
            try {
                context.getRouteController().stopRoute(INTAKE_ROUTE);
                LOG.error("Intake stopped: the ledger is inconsistent (see above); no intent is read until it is repaired "
                        + "and stk-bridge restarted");
            } catch (Exception e) {
                LOG.error("Could not stop the intake after finding the ledger inconsistent", e);
            }
        }, "stk-stop-intake");
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Whether a failure may be the record's own fault: not when, anywhere in its causes, the ledger or a broker was
     * unreachable, timed out or short of resources (the shared rate limit's table included), nor when the bridge is
     * stopping.
     */
    static boolean blamesTheRecord(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof SQLTransientException || cause instanceof SQLRecoverableException
                    || cause instanceof SQLNonTransientConnectionException || cause instanceof IOException
                    || cause instanceof org.apache.kafka.common.errors.RetriableException
                    || cause instanceof java.util.concurrent.TimeoutException || cause instanceof InterruptedException
                    || cause instanceof RejectedExecutionException
                    // the shared rate limit's table could not be read, whatever the error: the ledger's, not the record's
                    || cause instanceof io.stkbridge.daraja.TpsLimiter.RateLimitUnavailableException) {
                return false;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2
                    && TRANSIENT_SQL_STATE_CLASSES.contains(sql.getSQLState().substring(0, 2))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the record's partition was revoked since its batch was handed out: then it is dropped, done without
     * being processed (its batch commits nothing of that partition). Checked with a working slot, right before the
     * record would start: a record waits for a thread, then for a slot.
     */
    private boolean revoked(Batch batch, Exchange work) {
        if (!batch.revoked.contains(batch.partitions.get(work.getProperty(INDEX, Integer.class)))) {
            return false;
        }
        droppedAtRebalance.incrementAndGet();
        LOG.debug("Intent record {} dropped: its partition was revoked before it started",
                batch.positions.get(work.getProperty(INDEX, Integer.class)));
        return true;
    }

    /** Records read from Kafka by the consumer thread ({@link IntakeConsumer}), before camel-kafka batches them. */
    void polled(ConsumerRecords<?, ?> records) {
        for (TopicPartition partition : records.partitions()) {
            polledNotBegun.merge(partition, records.records(partition).size(), Integer::sum);
        }
    }

    /**
     * A new consumer subscribed (at start and after a reconnect): camel-kafka begins a new batch with it, so records
     * polled by the one before will not come.
     */
    void subscribed() {
        polledNotBegun.clear();
        polledBeforeRevocation.clear();
    }

    /** Whether the next record of the partition that camel-kafka hands over was polled before its last revocation. */
    private boolean polledBeforeItsRevocation(TopicPartition partition) {
        polledNotBegun.computeIfPresent(partition, (p, n) -> n > 1 ? n - 1 : null);
        Integer stale = polledBeforeRevocation.get(partition);
        if (stale == null) {
            return false;
        }
        polledBeforeRevocation.compute(partition, (p, n) -> n > 1 ? n - 1 : null);
        return true;
    }

    /**
     * Partitions revoked or lost, told on the consumer thread inside a poll, before another member is given them: no
     * record of them that is not started yet will start here, neither those handed out (see {@link #revoked}) nor
     * those camel-kafka has polled but not handed over, and none of their offsets is committed from the batches read
     * so far. If the partition comes back to this consumer, it is read again from its committed offset: a later batch.
     */
    void partitionsRevoked(Collection<TopicPartition> partitions) {
        for (Batch batch : uncommitted) {
            for (TopicPartition partition : partitions) {
                if (batch.lastOffsets.containsKey(partition)) {
                    batch.revoked.add(partition);
                }
            }
        }
        for (TopicPartition partition : partitions) {
            Integer notBegun = polledNotBegun.get(partition);
            if (notBegun == null) {
                polledBeforeRevocation.remove(partition);
            } else {
                polledBeforeRevocation.put(partition, notBegun);
            }
        }
    }

    /** Records dropped because their partition was revoked or lost before they started. */
    public long droppedAtRebalance() {
        return droppedAtRebalance.get();
    }

    /** {@code stk_intake_records_dropped_total{reason="revoked"}}. */
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("stk.intake.records.dropped", this,
                        IntakeBatches::droppedAtRebalance)
                .description("Intent records not processed because their partition was revoked or lost before they started")
                .tag("reason", "revoked")
                .register(registry);
    }

    private void finished(Batch batch, Exchange work, Exception failure) {
        Claim claim = work.getProperty(CLAIMED_INTENT, Claim.class);
        if (claim != null) {
            intentsInProgress.remove(claim.intentId(), claim.done());
            claim.done().complete(null);
        }
        if (failure != null) {
            batch.failure.compareAndSet(null, failure);
        }
        batch.unfinished.decrementAndGet();
        unfinishedRecords.decrementAndGet();
        signalProgress();
    }

    /**
     * Records the attempt of one record (see {@link AttemptLedger#open}), unless an earlier record of the same batch is
     * the same intent: then nothing is to be done if the content is the same, and it is a conflict if not. A copy that
     * an intake thread is still processing from an earlier batch is waited for first.
     */
    public Intake open(PaymentIntent intent, Exchange exchange) throws Exception {
        Batch batch = exchange.getProperty(BATCH, Batch.class);
        Integer index = exchange.getProperty(INDEX, Integer.class);
        FirstCopy first = batch == null || index == null ? null : batch.firstCopies.get(intent.intentId());
        if (first != null && first.index() < index) {
            if (!first.contentHash().equals(intent.contentHash())) {
                throw new DuplicateIntentConflictException(intent.intentId());
            }
            LOG.info("Intent {} delivered twice in one batch: only its first copy is pushed", intent.intentId());
            return new Intake(null, false);
        }
        Claim claim = new Claim(intent.intentId(), new CompletableFuture<>());
        CompletableFuture<Void> earlier;
        while ((earlier = intentsInProgress.putIfAbsent(intent.intentId(), claim.done())) != null) {
            LOG.info("Intent {} is already being processed from an earlier delivery: waiting for it", intent.intentId());
            slots.whileWaiting(earlier::get);
        }
        exchange.setProperty(CLAIMED_INTENT, claim);
        return ledger.open(intent);
    }

    /**
     * Commits, per partition, the offset after the last record of every batch that is done and follows only done
     * batches. Called on the Kafka consumer thread after each poll ({@link IntakeCommits}); only partitions this consumer
     * is assigned now, and not revoked since the batch was handed out ({@link #partitionsRevoked}), are committed. Fails
     * if such a batch had a record that failed: nothing from it on is committed, the batches after it are given up, and
     * the consumer is to read again from its committed offsets.
     */
    public void commitDone(Consumer<?, ?> consumer) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Set<TopicPartition> assigned = consumer.assignment();
        Exception failure = null;
        for (Batch head; (head = uncommitted.peek()) != null && head.done() && !head.leftForNextRun; ) {
            failure = head.failure.get();
            if (failure != null) {
                break;
            }
            uncommitted.poll();
            Set<TopicPartition> revoked = head.revoked;
            head.lastOffsets.forEach((partition, last) -> {
                // a partition revoked since the batch was handed out may be assigned again: read again from its
                // committed offset, and its records in this batch that were dropped must not be committed past
                if (assigned.contains(partition) && !revoked.contains(partition)) {
                    offsets.merge(partition, new OffsetAndMetadata(last + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
                }
            });
            LOG.debug("Intake batch of {} record(s) done after {} ms", head.records.size(),
                    (System.nanoTime() - head.startedNanos) / 1_000_000);
        }
        if (!offsets.isEmpty()) {
            // attempts are opened without waiting for their store (AttemptLedger.open): not read again, they must be kept
            ledger.awaitStored();
            consumer.commitSync(offsets);
            signalProgress();
        }
        if (failure != null) {
            int givenUp = uncommitted.size();
            uncommitted.clear();
            throw new UncommittableBatchException("an intake record failed (" + failure.getMessage() + "): " + givenUp
                    + " batch(es) left uncommitted, reading again from the last committed offsets", failure);
        }
    }

    /**
     * Stopping: no more records are handed out (batches polled from now on are left for the next run); waits until the
     * records under way are done and the consumer thread has committed their batches, or {@code within} has passed.
     * The consumer keeps polling meanwhile, which is when it commits; if it does not (the intake is suspended during a
     * Daraja outage), the done batches stay uncommitted and are read again at the next start, where the ledger finds
     * them done.
     */
    public void drain(Duration within) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + within.toNanos();
        awaitProgress(() -> unfinishedRecords.get() == 0, deadline);
        long commitDeadline = Math.min(deadline, System.nanoTime() + COMMIT_WAIT_WHEN_STOPPING.toNanos());
        awaitProgress(() -> !doneButUncommitted(), commitDeadline);
        if (unfinishedRecords.get() > 0 || doneButUncommitted()) {
            LOG.warn("Stopping: {} intent record(s) still under way, {} batch(es) not committed; they are read again at the "
                    + "next start", unfinishedRecords.get(), uncommitted.stream().filter(b -> !b.leftForNextRun).count());
        }
    }

    private void signalProgress() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Waits until {@code done} holds or the deadline ({@link System#nanoTime}) has passed, re-checking every 200 ms. */
    private void awaitProgress(BooleanSupplier done, long deadline) throws InterruptedException {
        synchronized (progress) {
            while (!done.getAsBoolean()) {
                long left = deadline == NO_DEADLINE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                progress.wait(Math.max(1, Math.min(200, left / 1_000_000)));
            }
        }
    }

    /** Whether {@link #drain} was called: the bridge is stopping. */
    boolean draining() {
        return draining;
    }

    private boolean doneButUncommitted() {
        Batch head = uncommitted.peek();
        return head != null && head.done() && !head.leftForNextRun && head.failure.get() == null;
    }

    /** Records handed to the intake threads and not done yet, over every batch. */
    public int unfinishedRecords() {
        return unfinishedRecords.get();
    }
}
