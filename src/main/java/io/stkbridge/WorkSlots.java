package io.stkbridge;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.CamelEvent;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds how many intake threads work on the CPU at once, whatever STK_MAX_IN_FLIGHT is. An intake thread holds a slot
 * while it reads, records and routes, and gives it up while it waits: for Daraja's answer or Kafka's (any HTTP or Kafka
 * send, seen through Camel's "sending" and "sent" events), for its turn under the push rate limit, before a busy
 * re-send, for an earlier copy of its intent. Without the bound, hundreds of intake threads with nothing to wait for
 * (a fast Daraja) share the cores equally with the one thread that answers callbacks and the one that relays outcomes:
 * callbacks then time out, and Daraja does not send them again.
 * <p>
 * Threads that never took a slot (callbacks, sweeper, relay) are not affected.
 */
public class WorkSlots extends SendEventNotifier {

    /** WAITING_ON_SEND: gave its slot up for one HTTP or Kafka send, takes it back when the send is done. */
    private enum State { NONE, WORKING, WAITING, WAITING_ON_SEND }

    private final Semaphore slots;
    private final ThreadLocal<State> state = ThreadLocal.withInitial(() -> State.NONE);

    public WorkSlots(int slots) {
        super(true);
        this.slots = new Semaphore(slots, true);
    }

    /** Runs the work of one record holding a slot (taken when one is free), except while it waits. */
    public <T> T work(Callable<T> work) throws Exception {
        slots.acquire();
        state.set(State.WORKING);
        try {
            return work.call();
        } finally {
            if (state.get() == State.WORKING) {
                slots.release();
            }
            state.set(State.NONE);
        }
    }

    /**
     * Waits without the slot, if this thread holds one; takes it back afterwards. Also for waiting on something another
     * intake thread must finish (a lock, a token fetch), which that thread may need a slot for: the slot is given up
     * before the wait, never held through it.
     */
    public <T> T whileWaiting(Callable<T> wait) throws Exception {
        boolean gaveUp = giveUp(State.WAITING);
        try {
            return wait.call();
        } finally {
            if (gaveUp) {
                takeBack();
            }
        }
    }

    /** {@link #whileWaiting(Callable)} for a wait that throws only unchecked exceptions. */
    public <T> T waitFor(Supplier<T> wait) {
        try {
            return whileWaiting(wait::get);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sleeps without the slot. */
    public void pause(long millis) throws Exception {
        whileWaiting(() -> {
            Thread.sleep(Math.max(0, millis));
            return null;
        });
    }

    public int free() {
        return slots.availablePermits();
    }

    private boolean giveUp(State waiting) {
        if (state.get() != State.WORKING) {
            return false;
        }
        state.set(waiting);
        slots.release();
        return true;
    }

    private void takeBack() {
        slots.acquireUninterruptibly();
        state.set(State.WORKING);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return (event instanceof CamelEvent.ExchangeSendingEvent sending && waitsOnTheNetwork(sending.getEndpoint()))
                || (event instanceof CamelEvent.ExchangeSentEvent sent && waitsOnTheNetwork(sent.getEndpoint()));
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent) {
            giveUp(State.WAITING_ON_SEND);
        } else if (state.get() == State.WAITING_ON_SEND) {
            takeBack();
        }
    }

    private static boolean waitsOnTheNetwork(Endpoint endpoint) {
        String uri = endpoint == null ? "" : endpoint.getEndpointUri();
        return uri.startsWith("http") || uri.startsWith("kafka");
    }
}
