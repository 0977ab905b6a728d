package io.stkbridge.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.Tracing;
import io.stkbridge.outcome.OutcomeEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Outcome events as Kafka records: keyed by orderId, the event JSON as the value, CloudEvents binary-mode headers. The
 * relay sends a poll's records together (one Kafka send of a list), in outbox order.
 */
public class OutcomeRecords {

    /** The outcome schema the events follow; its {@code $id} names its version and is each event's dataschema. */
    public static final String SCHEMA = "schema/outcome-event.schema.json";

    private final String dataSchema = schemaId();

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
            record.setHeader("ce_dataschema", dataSchema);
            record.setHeader("content-type", "application/json");
            if (event.traceParent() != null) {
                record.setHeader(Tracing.TRACE_PARENT, event.traceParent());
                if (event.traceState() != null) {
                    record.setHeader(Tracing.TRACE_STATE, event.traceState());
                }
            }
            record.setBody(event.payload());
            records.add(record);
        }
        return records;
    }

    /** The {@code $id} of the outcome schema in the jar: the version is stated once, in the schema itself. */
    public static String schemaId() {
        try (InputStream in = OutcomeRecords.class.getClassLoader().getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IllegalStateException(SCHEMA + " is not in the jar");
            }
            return new ObjectMapper().readTree(in).path("$id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
