package io.stkbridge.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.intent.PaymentIntent;
import io.stkbridge.ledger.DuplicateIntentConflictException;
import io.stkbridge.ledger.Intake;
import io.stkbridge.testing.IntentPublisher;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IntakeBatchesTest {

    final CamelContext context = new DefaultCamelContext();
    /** Only identifies records here, which needs no merchants. */
    final IntentReader reader = new IntentReader(new ObjectMapper(), null, "Payment");
    /** The ledger is never reached by the cases here: a null one would fail the test if it were. */
    final IntakeBatches batches = new IntakeBatches(reader, null, null, null, "direct:none");
    final List<String> committed = new ArrayList<>();

    private Exchange record(int partition, long offset, String value) {
        Exchange record = new DefaultExchange(context);
        record.getMessage().setBody(value);
        record.getMessage().setHeader(KafkaConstants.TOPIC, "intents");
        record.getMessage().setHeader(KafkaConstants.PARTITION, partition);
        record.getMessage().setHeader(KafkaConstants.OFFSET, offset);
        record.getMessage().setHeader(KafkaConstants.MANUAL_COMMIT,
                (KafkaManualCommit) () -> committed.add(partition + "@" + offset));
        return record;
    }

    /** The intent as IntentReader.read makes it, for what IntakeBatches looks at: its id and content hash. */
    private PaymentIntent intent(String json) {
        IntentReader.Identity id = reader.identify(json).orElseThrow();
        return new PaymentIntent(id.intentId(), "ORD-1", 100, "254708374149", "ORD-1", "Payment", "CustomerPayBillOnline",
                "default", null, id.contentHash(), json);
    }

    private Exchange batch(Exchange... records) {
        Exchange batch = new DefaultExchange(context);
        batch.getMessage().setBody(List.of(records));
        return batch;
    }

    /** The sub-exchange the split gives the worker for the record at {@code index}. */
    private static Exchange worker(Exchange batch, int index) {
        Exchange worker = batch.copy();
        worker.setProperty(IntakeBatches.INDEX, index);
        return worker;
    }

    @Test
    void theBatchIsCommittedOncePerPartitionAtItsLastOffset() {
        Exchange batch = batch(record(0, 7, "a"), record(1, 3, "b"), record(0, 8, "c"), record(1, 2, "d"));
        assertEquals(4, batches.begin(batch).size());
        batches.commit(batch);
        assertEquals(List.of("0@8", "1@3"), committed);
    }

    @Test
    void theBatchIsNeverCommittedFromAnotherThreadThanTheOneThatPolledIt() {
        Exchange batch = batch(record(0, 1, "a"));
        batches.begin(batch);
        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> CompletableFuture.runAsync(() -> batches.commit(batch)).get());
        assertInstanceOf(IllegalStateException.class, failure.getCause());
        assertEquals(List.of(), committed);
    }

    @Test
    void anIntentTwiceInOneBatchIsRecordedOnlyForItsFirstCopy() {
        String intent = IntentPublisher.intent("twice", "ORD-1", 100, "0708374149");
        String conflicting = IntentPublisher.intent("twice", "ORD-1", 999, "0708374149");
        Exchange batch = batch(record(0, 1, "not json"), record(0, 2, intent), record(0, 3, intent), record(0, 4, conflicting));
        batches.begin(batch);

        Intake again = batches.open(intent(intent), worker(batch, 2));
        assertFalse(again.pushNow());
        assertNull(again.attempt());
        PaymentIntent other = intent(conflicting);
        assertThrows(DuplicateIntentConflictException.class, () -> batches.open(other, worker(batch, 3)));
        // the first copy goes to the ledger (here: none, so it fails)
        assertThrows(NullPointerException.class, () -> batches.open(intent(intent), worker(batch, 1)));
    }
}
