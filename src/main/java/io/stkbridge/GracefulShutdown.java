package io.stkbridge;

import io.stkbridge.kafka.IntakeBatches;
import io.stkbridge.ledger.Outbox;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.impl.engine.DefaultShutdownStrategy;
import org.apache.camel.spi.RouteStartupOrder;
import org.apache.camel.spi.ShutdownStrategy;
import org.apache.camel.support.AsyncProcessorConverterHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How stk-bridge stops (SIGTERM, or Camel Main stopping): Camel's graceful shutdown, then a last run of the outbox relay.
 * <ol>
 * <li>The intake hands out no more records; the pushes under way finish and the intake's consumer, still polling,
 * commits their batches ({@link IntakeBatches#drain}). This and the next step share {@code STK_SHUTDOWN_TIMEOUT_SECONDS}.</li>
 * <li>Camel suspends every route's consumer at once: no new intent, query command or sweep starts, and no sweep query
 * still queued (its claim lapses, and another instance or the next start queries it). What is already in flight goes on: the intents of the poll being processed are recorded, pushed and committed, queries and deferred
 * pushes already started finish. The callbacks route is deferred ({@code shutdownRoute: Defer}): Daraja's answers to
 * those last pushes are still received and stored until the in-flight work is done.</li>
 * <li>Camel waits for that work, at most {@code STK_SHUTDOWN_TIMEOUT_SECONDS}. After that it forces the routes down;
 * an attempt cut off then is left as the ledger has it (PENDING_PUSH: the next start treats it as an interrupted
 * push).</li>
 * <li>Then, before any route's producers stop, the outcome-relay route runs until the outbox is empty (at most
 * {@link #FINAL_FLUSH}): every outcome committed by the work above is on Kafka when the process exits. If Kafka cannot
 * take them, or the shutdown was forced, they stay committed in the outbox and the next start publishes them.</li>
 * </ol>
 */
public class GracefulShutdown extends DefaultShutdownStrategy {

    /** Longest time the final outbox flush may take. */
    public static final Duration FINAL_FLUSH = Duration.ofSeconds(5);
    static final String RELAY_ROUTE = "outcome-relay";
    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

    private final Outbox outbox;
    private volatile Consumer relayConsumer;
    private volatile IntakeBatches intake;

    public GracefulShutdown(CamelContext context, Outbox outbox) {
        super(context);
        this.outbox = outbox;
    }

    /** Replaces the context's shutdown strategy, keeping its settings (Camel Main has applied camel.main.shutdown-*). */
    public static GracefulShutdown install(CamelContext context, Outbox outbox) {
        ShutdownStrategy current = context.getShutdownStrategy();
        GracefulShutdown strategy = new GracefulShutdown(context, outbox);
        strategy.setTimeout(current.getTimeout());
        strategy.setTimeUnit(current.getTimeUnit());
        strategy.setShutdownNowOnTimeout(current.isShutdownNowOnTimeout());
        strategy.setShutdownRoutesInReverseOrder(current.isShutdownRoutesInReverseOrder());
        strategy.setSuppressLoggingOnTimeout(current.isSuppressLoggingOnTimeout());
        strategy.setLogInflightExchangesOnTimeout(current.isLogInflightExchangesOnTimeout());
        strategy.setLoggingLevel(current.getLoggingLevel());
        context.setShutdownStrategy(strategy);
        return strategy;
    }

    /** Before the routes stop, the intake hands out no more records and lets its consumer commit what is done. */
    public void drainFirst(IntakeBatches intakeBatches) {
        this.intake = intakeBatches;
    }

    /**
     * Called when the CamelContext stops. Camel's graceful shutdown stops every route's consumer and waits for the
     * in-flight exchanges, except that the relay's consumer is kept (see {@link #shutdownNow}): stopping a consumer
     * stops its route's processors, and the final flush runs them once more before it is stopped.
     */
    @Override
    public void shutdownForced(CamelContext context, List<RouteStartupOrder> routes) throws Exception {
        long timeout = getTimeout();
        long started = System.nanoTime();
        try {
            IntakeBatches draining = intake;
            if (draining != null && context.isStopping()) {
                // the pushes under way finish and their offsets are committed while the consumer still polls; the
                // routes' own shutdown then gets what is left of the timeout, so the bound stays the same
                draining.drain(Duration.ofNanos(getTimeUnit().toNanos(timeout)));
                long left = getTimeUnit().toNanos(timeout) - (System.nanoTime() - started);
                setTimeout(Math.max(1, getTimeUnit().convert(left, TimeUnit.NANOSECONDS)));
            }
            super.shutdownForced(context, routes);
        } finally {
            setTimeout(timeout);
            Consumer relay = relayConsumer;
            relayConsumer = null;
            if (relay != null) {
                try {
                    flushOutbox(context);
                } finally {
                    super.shutdownNow(RELAY_ROUTE, relay);
                }
            }
        }
    }

    /** While the context stops, the relay's consumer is only suspended (no timer run) until the final flush is done. */
    @Override
    protected void shutdownNow(String routeId, Consumer consumer) {
        CamelContext context = getCamelContext();
        if (RELAY_ROUTE.equals(routeId) && context != null && context.isStopping()) {
            suspendNow(routeId, consumer);
            relayConsumer = consumer;
            return;
        }
        super.shutdownNow(routeId, consumer);
    }

    private void flushOutbox(CamelContext context) {
        Route relay = context.getRoute(RELAY_ROUTE);
        long backlog = backlog();
        if (relay == null || backlog <= 0) {
            return;
        }
        if (isForceShutdown()) {
            LOG.warn("Shutdown was forced: {} outcome event(s) stay in the outbox; the next start publishes them", backlog);
            return;
        }
        LOG.info("In-flight work done; publishing the {} outcome event(s) still in the outbox", backlog);
        AsyncProcessor processor = AsyncProcessorConverterHelper.convert(relay.getProcessor());
        long deadline = System.nanoTime() + FINAL_FLUSH.toNanos();
        while (backlog > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Exchange pass = relay.getEndpoint().createExchange();
            pass.getExchangeExtension().setFromEndpoint(relay.getEndpoint());
            pass.getExchangeExtension().setFromRouteId(RELAY_ROUTE);
            try {
                processor.processAsync(pass).get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                pass.setException(e);
            }
            long after = backlog();
            if (pass.getException() != null || after >= backlog) {
                if (pass.getException() == null) {
                    LOG.warn("Outbox relay made no progress while stopping");
                } else {
                    LOG.warn("Outbox relay made no progress while stopping ({})", pass.getException().toString(), pass.getException());
                }
                backlog = after;
                break;
            }
            backlog = after;
        }
        if (backlog > 0) {
            LOG.warn("{} outcome event(s) stay in the outbox; the next start publishes them", backlog);
        } else {
            LOG.info("Outbox empty: every committed outcome event is on Kafka");
        }
    }

    private long backlog() {
        try {
            return outbox.backlog();
        } catch (RuntimeException e) {
            LOG.warn("Outbox backlog unknown while stopping: {}", e.toString());
            return -1;
        }
    }
}
