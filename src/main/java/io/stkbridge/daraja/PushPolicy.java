package io.stkbridge.daraja;

import io.stkbridge.WorkSlots;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.outcome.Status;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * How fast and how often a push is sent. Pushes per shortcode are limited to a rate, evenly spaced and shared by every
 * instance on a PostgreSQL ledger (the consumer thread waits for its turn, so the intake slows instead of Daraja's spike
 * arrest refusing). A push Daraja definitely refused because it was
 * busy is sent again with exponential backoff, a bounded number of times; nothing else is ever re-sent.
 */
public class PushPolicy {

    public static final String AGAIN = "pushAgain";
    public static final String DELAY = "pushAgainDelayMs";
    private static final String TRIES = "pushTries";
    private static final Set<String> RESENDABLE = Set.of("DARAJA_BUSY", "SUBSCRIBER_BUSY");
    private static final Logger LOG = LoggerFactory.getLogger(PushPolicy.class);

    private final TpsLimiter pushRate;
    private final Merchants merchants;
    private final int busyRetries;
    private final long busyRetryDelayMs;
    private final WorkSlots slots;

    public PushPolicy(TpsLimiter pushRate, Merchants merchants, int busyRetries, long busyRetryDelayMs, WorkSlots slots) {
        this.pushRate = pushRate;
        this.slots = slots;
        this.merchants = merchants;
        this.busyRetries = busyRetries;
        this.busyRetryDelayMs = busyRetryDelayMs;
    }

    public void awaitTurn(Attempt attempt) throws Exception {
        String shortcode = merchants.byName(attempt.merchant()).shortcode();
        slots.whileWaiting(() -> {
            pushRate.acquire(shortcode);
            return null;
        });
    }

    /** The backoff before a busy refusal is sent again, on this thread (an intake thread, not working meanwhile). */
    public void pauseBeforeSendingAgain(long millis) throws Exception {
        slots.pause(millis);
    }

    /** Sets {@link #AGAIN} and {@link #DELAY}: whether this answer is a busy refusal worth sending again, and after how long. */
    public void decide(PushAnswer answer, Exchange exchange) {
        int tries = exchange.getProperty(TRIES, 0, Integer.class) + 1;
        exchange.setProperty(TRIES, tries);
        boolean busy = !answer.accepted() && answer.resolution() != null
                && answer.resolution().status() == Status.FAILED && RESENDABLE.contains(answer.resolution().reason());
        boolean again = busy && tries <= busyRetries;
        exchange.setProperty(AGAIN, again);
        exchange.setProperty(DELAY, busyRetryDelayMs << Math.min(tries - 1, 10));
        if (again) {
            Attempt attempt = exchange.getProperty("attempt", Attempt.class);
            LOG.warn("Daraja refused the push of attempt {} as busy ({}): sending it again in {} ms ({}/{})",
                    attempt.attemptId(), answer.resolution().resultCode(), exchange.getProperty(DELAY), tries, busyRetries);
        }
    }
}
