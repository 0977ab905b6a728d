package io.stkbridge;

import io.stkbridge.ledger.Attempt;
import org.slf4j.MDC;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which payment a log line is about, kept in the logging context (MDC): {@code intentId}, {@code orderId},
 * {@code attemptId} and {@code checkoutRequestId}. JSON logs ({@code STK_LOG_FORMAT=json}) carry them as fields.
 * <p>
 * The beans set them as soon as they know the payment they handle (an intent read, an attempt opened or loaded, a
 * callback matched, an attempt queried). Camel carries them across asynchronous steps and removes them when the
 * exchange is done ({@code camel.main.mdc-logging-keys-pattern}); a bean that handles a new payment on a thread replaces
 * all four, so a line never mixes two payments. None of them is a secret or a phone number.
 */
public final class Correlation {

    public static final String INTENT_ID = "intentId";
    public static final String ORDER_ID = "orderId";
    public static final String ATTEMPT_ID = "attemptId";
    public static final String CHECKOUT_REQUEST_ID = "checkoutRequestId";
    public static final List<String> KEYS = List.of(INTENT_ID, ORDER_ID, ATTEMPT_ID, CHECKOUT_REQUEST_ID);

    private Correlation() {
    }

    /** Forgets the payment: the thread now handles something else (or something not yet known). */
    public static void clear() {
        KEYS.forEach(MDC::remove);
    }

    /** A newly read intent: its ids, and nothing of an earlier payment. */
    public static void intent(String intentId, String orderId) {
        clear();
        put(INTENT_ID, intentId);
        put(ORDER_ID, orderId);
    }

    /** A callback whose URL token is valid names this attempt (the ledger adds the other ids once it finds it). */
    public static void callbackFor(String attemptId) {
        clear();
        put(ATTEMPT_ID, attemptId);
    }

    /** The attempt this thread handles now; an id the attempt does not have yet is left out. */
    public static void attempt(Attempt attempt) {
        if (attempt == null) {
            return;
        }
        put(INTENT_ID, attempt.intentId());
        put(ORDER_ID, attempt.orderId());
        put(ATTEMPT_ID, attempt.attemptId());
        put(CHECKOUT_REQUEST_ID, attempt.checkoutRequestId());
    }

    /**
     * The attempt's ids until {@link Scope#close()}, which puts back what was there before: for one exchange that
     * handles several attempts in turn (the sweeper closing interrupted pushes).
     */
    public static Scope scope(Attempt attempt) {
        Map<String, String> before = current();
        attempt(attempt);
        return () -> restore(before);
    }

    /** The correlation fields now set on this thread. */
    public static Map<String, String> current() {
        Map<String, String> now = new HashMap<>();
        for (String key : KEYS) {
            String value = MDC.get(key);
            if (value != null) {
                now.put(key, value);
            }
        }
        return now;
    }

    /** Puts back fields saved by {@link #current()} (a nested Camel exchange removes them when it is done). */
    public static void restore(Map<String, String> saved) {
        clear();
        saved.forEach(MDC::put);
    }

    private static void put(String key, String value) {
        if (value == null || value.isEmpty()) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    /** Restores the fields that were set before the scope began. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
