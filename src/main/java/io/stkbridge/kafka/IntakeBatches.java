package io.stkbridge.kafka;

import io.stkbridge.WorkSlots;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.DuplicateIntentConflictException;
import io.stkbridge.ledger.Intake;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
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
 * An intent delivered twice is pushed once: a later copy in the same batch does nothing (or is a conflict, if its
 * content differs); a copy that arrives while an earlier one is still being processed on another intake thread waits
 * for it to finish, then asks the ledger, which knows the attempt by then.
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

    private record FirstCopy(int index, String contentHash) {
    }

    private record Claim(String intentId, CompletableFuture<Void> done) {
    }

    /** One polled batch: its records, each partition's last offset in it, and how many records are not done yet. */
    static final class Batch {
        private final long startedNanos = System.nanoTime();
        private final List<Message> records;
        private final Map<String, FirstCopy> firstCopies;
        private final Map<TopicPartition, Long> lastOffsets;
        private final AtomicInteger unfinished;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        /** Polled while stopping: none of its records is processed, and it is never committed. */
        private volatile boolean leftForNextRun;

        private Batch(List<Message> records, Map<String, FirstCopy> firstCopies, Map<TopicPartition, Long> lastOffsets) {
            this.records = records;
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
    /** Batches in the order they were polled, not committed yet; added and removed on the consumer thread only. */
    private final ConcurrentLinkedDeque<Batch> uncommitted = new ConcurrentLinkedDeque<>();
    private final AtomicInteger unfinishedRecords = new AtomicInteger();
    private final Map<String, CompletableFuture<Void>> intentsInProgress = new ConcurrentHashMap<>();
    /** Notified when a record is done and when batches are committed. */
    private final Object progress = new Object();
    private volatile boolean draining;

    /**
     * @param workers     the intake threads: as many as records may be processed at once (STK_MAX_IN_FLIGHT)
     * @param threads     how many they are
     * @param slots       how many of them may work on the CPU at once (the others wait for Daraja, or for a slot)
     * @param template    sends each record to {@code recordRoute} on one of the workers
     * @param recordRoute the route that processes one record (read, record the attempt, push)
     */
    public IntakeBatches(IntentReader reader, AttemptLedger ledger, ExecutorService workers, int threads, WorkSlots slots,
                         ProducerTemplate template, String recordRoute) {
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
        Map<String, FirstCopy> firstCopies = new HashMap<>();
        Map<TopicPartition, Long> lastOffsets = new LinkedHashMap<>();
        for (Object item : polled == null ? List.of() : polled) {
            Message record = ((Exchange) item).getMessage();
            int index = records.size();
            records.add(record);
            reader.identify(record.getBody(String.class))
                    .ifPresent(id -> firstCopies.putIfAbsent(id.intentId(), new FirstCopy(index, id.contentHash())));
            TopicPartition partition = new TopicPartition(record.getHeader(KafkaConstants.TOPIC, String.class),
                    record.getHeader(KafkaConstants.PARTITION, Integer.class));
            lastOffsets.merge(partition, record.getHeader(KafkaConstants.OFFSET, Long.class), Math::max);
        }
        exchange.setProperty(BATCH, new Batch(records, firstCopies, lastOffsets));
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
        for (int index = 0; index < batch.records.size(); index++) {
            Exchange work = new DefaultExchange(exchange.getContext());
            work.setIn(batch.records.get(index));
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
                failure = slots.work(() -> template.send(recordRoute, work)).getException();
            }
        } catch (Exception e) {
            failure = e;
        } finally {
            finished(batch, work, failure);
        }
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
     * is assigned now are committed. Fails if such a batch had a record that failed: nothing from it on is committed,
     * the batches after it are given up, and the consumer is to read again from its committed offsets.
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
            head.lastOffsets.forEach((partition, last) -> {
                if (assigned.contains(partition)) {
                    offsets.merge(partition, new OffsetAndMetadata(last + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
                }
            });
            LOG.debug("Intake batch of {} record(s) done after {} ms", head.records.size(),
                    (System.nanoTime() - head.startedNanos) / 1_000_000);
        }
        if (!offsets.isEmpty()) {
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
