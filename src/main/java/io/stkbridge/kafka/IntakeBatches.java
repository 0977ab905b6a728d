package io.stkbridge.kafka;

import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.DuplicateIntentConflictException;
import io.stkbridge.ledger.Intake;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A batch of intent records polled together. Its records are processed in parallel (each: read, attempt recorded, pushed),
 * and its offsets are committed once all of them are done, on the consumer thread that polled it.
 * <p>
 * Records are looked at before any is processed, so that an intent delivered twice within the batch (a retrying producer)
 * is pushed once: its first copy is processed as usual, a later copy with the same content does nothing, and a later copy
 * with other content is a conflict. That is what processing the records one after the other used to give.
 */
public class IntakeBatches {

    static final String BATCH = "intakeBatch";
    /** The record's position in its batch, on the exchange that processes it. */
    static final String INDEX = "intakeBatchIndex";
    private static final Logger LOG = LoggerFactory.getLogger(IntakeBatches.class);

    private record FirstCopy(int index, String contentHash) {
    }

    private record Latest(long offset, KafkaManualCommit commit) {
    }

    /** What the parallel workers and the final commit need to know about their batch; not changed once built. */
    static final class Batch {
        private final long startedNanos = System.nanoTime();
        private final List<Message> records;
        private final Thread consumerThread;
        private final Map<String, FirstCopy> firstCopies;
        private final Map<TopicPartition, Latest> latestByPartition;

        private Batch(List<Message> records, Thread consumerThread, Map<String, FirstCopy> firstCopies,
                      Map<TopicPartition, Latest> latestByPartition) {
            this.records = records;
            this.consumerThread = consumerThread;
            this.firstCopies = firstCopies;
            this.latestByPartition = latestByPartition;
        }
    }

    private final IntentReader reader;
    private final AttemptLedger ledger;
    private final ExecutorService workers;
    private final ProducerTemplate template;
    private final String recordRoute;

    /**
     * @param workers     the intake threads: as many as records may be processed at once (STK_MAX_IN_FLIGHT)
     * @param template    sends each record to {@code recordRoute} on one of the workers
     * @param recordRoute the route that processes one record (read, record the attempt, push)
     */
    public IntakeBatches(IntentReader reader, AttemptLedger ledger, ExecutorService workers, ProducerTemplate template,
                         String recordRoute) {
        this.reader = reader;
        this.ledger = ledger;
        this.workers = workers;
        this.template = template;
        this.recordRoute = recordRoute;
    }

    /**
     * Called on the consumer thread with the batch camel-kafka polled (a list of one exchange per record). Returns the
     * records' messages, in order, for the split; keeps what the workers and the commit need in an exchange property.
     */
    public List<Message> begin(Exchange exchange) {
        List<?> polled = exchange.getMessage().getBody(List.class);
        List<Message> records = new ArrayList<>(polled == null ? 0 : polled.size());
        Map<String, FirstCopy> firstCopies = new HashMap<>();
        Map<TopicPartition, Latest> latest = new LinkedHashMap<>();
        for (Object item : polled == null ? List.of() : polled) {
            Message record = ((Exchange) item).getMessage();
            int index = records.size();
            records.add(record);
            reader.identify(record.getBody(String.class))
                    .ifPresent(id -> firstCopies.putIfAbsent(id.intentId(), new FirstCopy(index, id.contentHash())));
            KafkaManualCommit commit = record.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit == null) {
                throw new IllegalStateException("no manual commit handle: the intake endpoint must set allowManualCommit=true");
            }
            TopicPartition partition = new TopicPartition(record.getHeader(KafkaConstants.TOPIC, String.class),
                    record.getHeader(KafkaConstants.PARTITION, Integer.class));
            long offset = record.getHeader(KafkaConstants.OFFSET, Long.class);
            latest.merge(partition, new Latest(offset, commit), (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        exchange.setProperty(BATCH, new Batch(records, Thread.currentThread(), firstCopies, latest));
        LOG.debug("Intake batch of {} record(s) on {} partition(s)", records.size(), latest.size());
        return records;
    }

    /**
     * Processes every record of the batch, each in its own exchange on one of the workers, and returns when all are done.
     * A record's own failures are handled by its route (dead-lettered); if any record ends with an unhandled failure
     * (ledger or broker unreachable), the first such failure is thrown once all are done, so the batch is not committed.
     */
    public void processRecords(Exchange exchange) throws Exception {
        Batch batch = exchange.getProperty(BATCH, Batch.class);
        List<Future<Exchange>> results = new ArrayList<>(batch.records.size());
        for (int index = 0; index < batch.records.size(); index++) {
            Exchange work = new DefaultExchange(exchange.getContext());
            work.setIn(batch.records.get(index));
            work.setProperty(BATCH, batch);
            work.setProperty(INDEX, index);
            results.add(workers.submit(() -> {
                if (work.getContext().isStopping()) {
                    // stopping: a record not started yet is left for the next run (the batch stays uncommitted), so
                    // that shutting down waits only for the pushes already under way
                    work.setException(new RejectedExecutionException("stk-bridge is stopping: record left for the next run"));
                    return work;
                }
                return template.send(recordRoute, work);
            }));
        }
        Exception failure = null;
        for (Future<Exchange> result : results) {
            Exception recordFailure = outcome(result);
            if (failure == null && recordFailure != null) {
                failure = recordFailure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Waits for one record; its unhandled failure, if any. A record the workers will never run (they were shut down
     * with it still queued) fails, so that a stopping consumer thread is not left waiting for it.
     */
    private Exception outcome(Future<Exchange> result) throws InterruptedException {
        while (true) {
            try {
                return result.get(1, TimeUnit.SECONDS).getException();
            } catch (ExecutionException e) {
                return e.getCause() instanceof Exception cause ? cause : e;
            } catch (CancellationException e) {
                return e;
            } catch (TimeoutException e) {
                if (workers.isShutdown() && !result.isDone()) {
                    result.cancel(true);
                    return new RejectedExecutionException("the intake threads stopped before this record was processed");
                }
            }
        }
    }

    /**
     * Records the attempt of one record of the batch (see {@link AttemptLedger#open}), unless an earlier record of the
     * same batch is the same intent: then nothing is to be done if the content is the same, and it is a conflict if not.
     */
    public Intake open(PaymentIntent intent, Exchange exchange) {
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
        return ledger.open(intent);
    }

    /**
     * Commits, per partition, the offset after the batch's last record. Called after every record of the batch is done
     * (its attempt durable in the ledger, or its record dead-lettered), and only on the thread that polled the batch:
     * KafkaConsumer must not be used from another thread.
     */
    public void commit(Exchange exchange) {
        Batch batch = exchange.getProperty(BATCH, Batch.class);
        if (batch == null) {
            throw new IllegalStateException("not an intake batch: nothing to commit");
        }
        if (Thread.currentThread() != batch.consumerThread) {
            throw new IllegalStateException("offsets must be committed on the Kafka consumer thread "
                    + batch.consumerThread.getName() + ", not on " + Thread.currentThread().getName());
        }
        batch.latestByPartition.values().forEach(latest -> latest.commit().commit());
        LOG.debug("Intake batch done and committed after {} ms", (System.nanoTime() - batch.startedNanos) / 1_000_000);
    }
}
