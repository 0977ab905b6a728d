package io.stkbridge;

import org.apache.camel.support.EventNotifierSupport;

/**
 * A Camel event notifier for the "exchange sent" events of the routes' sends to endpoints (and, if asked, the "sending"
 * events before them), and nothing else: Camel then does not even create the other events on the routes' hot path.
 */
public abstract class SendEventNotifier extends EventNotifierSupport {

    /** @param sendingToo also the "exchange sending" events, before each send */
    protected SendEventNotifier(boolean sendingToo) {
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeSendingEvents(!sendingToo);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }
}
