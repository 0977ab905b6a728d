package io.stkbridge.kafka;

import io.stkbridge.outcome.OutcomeEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * Outcome events as Kafka records: keyed by orderId, the event JSON as the value, CloudEvents binary-mode headers. The
 * relay sends a poll's records together (one Kafka send of a list), in outbox order.
 */
public class OutcomeRecords {

    public List<Message> of(List<OutcomeEvent> events, Exchange exchange) {
        List<Message> records = new ArrayList<>(events.size());
        for (OutcomeEvent event : events) {
            Message record = new DefaultMessage(exchange);
            record.setHeader(KafkaConstants.KEY, event.key());
            record.setHeader("ce_specversion", "1.0");
            record.setHeader("ce_id", event.eventId());
            record.setHeader("ce_type", event.type());
            record.setHeader("ce_source", "/stk-bridge");
            record.setHeader("ce_time", event.occurredAt().toString());
            record.setHeader("content-type", "application/json");
            record.setBody(event.payload());
            records.add(record);
        }
        return records;
    }
}
