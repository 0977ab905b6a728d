package io.stkbridge.testing;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Publishes raw records, as a company's order service would, to the intents topic. */
public final class IntentPublisher implements AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final String topic;

    public IntentPublisher(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "1"));
    }

    public void publish(String key, String value) {
        publish(key, value, Map.of());
    }

    /** A record with these headers (UTF-8), as a producer that propagates trace context sends it. */
    public void publish(String key, String value, Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not publish to " + topic, e);
        }
    }

    public static String intent(String intentId, String orderId, int amount, String phone) {
        return """
                {"intentId":"%s","orderId":"%s","amount":%d,"phoneNumber":"%s","metadata":{"channel":"test"}}"""
                .formatted(intentId, orderId, amount, phone);
    }

    @Override
    public void close() {
        producer.close();
    }
}
