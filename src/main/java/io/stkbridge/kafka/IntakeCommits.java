package io.stkbridge.kafka;

import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaClientFactory;
import org.apache.camel.component.kafka.KafkaConsumer;
import org.apache.camel.component.kafka.consumer.errorhandler.KafkaConsumerListener;
import org.apache.camel.support.LifecycleStrategySupport;

import java.util.Collection;

/**
 * Commits the intake's finished batches on the Kafka consumer thread after every poll, also when the poll brought no
 * records, so that the last batch before a quiet spell is committed as soon as its pushes are done. camel-kafka calls
 * {@link #afterConsume} on that thread; an exception from it makes the consumer reconnect and read again from its
 * committed offsets ({@code pollOnError=RECONNECT} on the intake endpoint).
 */
public class IntakeCommits extends KafkaConsumerListener {

    private final IntakeBatches batches;

    public IntakeCommits(IntakeBatches batches) {
        this.batches = batches;
    }

    @Override
    public boolean afterConsume(Object ignored) {
        batches.commitDone(getConsumer());
        return super.afterConsume(ignored);
    }

    /**
     * Attaches a listener to the route's Kafka consumer, and gives its endpoint the client factory whose consumers tell
     * the intake of rebalances ({@link IntakeConsumer}), when the route is added, before its consumer starts.
     */
    public static LifecycleStrategySupport attachTo(String routeId, IntakeCommits listener, KafkaClientFactory clients) {
        return new LifecycleStrategySupport() {
            @Override
            public void onRoutesAdd(Collection<Route> routes) {
                for (Route route : routes) {
                    if (routeId.equals(route.getRouteId()) && route.getConsumer() instanceof KafkaConsumer consumer) {
                        consumer.setConsumerListener(listener);
                        consumer.getEndpoint().setKafkaClientFactory(clients);
                    }
                }
            }
        };
    }
}
