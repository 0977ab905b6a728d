package io.stkbridge.kafka;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

/** Commits a record's offset once what it asked for is durable; called on the consumer thread (KafkaConsumer is not thread-safe). */
public class KafkaOffsets {

    public void commit(Exchange exchange) {
        KafkaManualCommit commit = exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit == null) {
            throw new IllegalStateException("no manual commit handle: the intake endpoint must set allowManualCommit=true");
        }
        commit.commit();
    }
}
