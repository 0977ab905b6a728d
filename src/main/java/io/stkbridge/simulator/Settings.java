package io.stkbridge.simulator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The fixed configuration plus the toggles tests flip at run time (reset restores the built values). */
final class Settings {

    private final Map<String, Merchant> merchantsByShortcode;
    private final Map<String, String> secretsByConsumerKey;
    private final Duration tokenLifetime;
    private final Duration slowAnswerDelay;
    private final Duration initialCallbackDelay;
    private final boolean initialQueryPendingAs4999;

    private volatile Duration callbackDelay;
    private volatile Duration pushLatency;
    private final Object pushLatencyChange = new Object();
    private volatile boolean dropCallbacks;
    private volatile boolean duplicateCallbacks;
    private volatile boolean queryPendingAs4999;
    private volatile boolean oauthUnavailable;
    private volatile boolean invalidTokenAs400;
    private volatile boolean answerPushesAfterTheirCallback;

    Settings(Map<String, Merchant> merchantsByShortcode, Map<String, String> secretsByConsumerKey,
             Duration tokenLifetime, Duration slowAnswerDelay, Duration callbackDelay, boolean queryPendingAs4999) {
        this.merchantsByShortcode = Map.copyOf(merchantsByShortcode);
        this.secretsByConsumerKey = Map.copyOf(secretsByConsumerKey);
        this.tokenLifetime = tokenLifetime;
        this.slowAnswerDelay = slowAnswerDelay;
        this.initialCallbackDelay = callbackDelay;
        this.initialQueryPendingAs4999 = queryPendingAs4999;
        resetToggles();
    }

    void resetToggles() {
        callbackDelay = initialCallbackDelay;
        pushLatency(Duration.ZERO);
        dropCallbacks = false;
        duplicateCallbacks = false;
        queryPendingAs4999 = initialQueryPendingAs4999;
        oauthUnavailable = false;
        invalidTokenAs400 = false;
        answerPushesAfterTheirCallback = false;
    }

    boolean answerPushesAfterTheirCallback() {
        return answerPushesAfterTheirCallback;
    }

    void answerPushesAfterTheirCallback(boolean after) {
        answerPushesAfterTheirCallback = after;
    }

    boolean oauthUnavailable() {
        return oauthUnavailable;
    }

    void oauthUnavailable(boolean unavailable) {
        oauthUnavailable = unavailable;
    }

    boolean invalidTokenAs400() {
        return invalidTokenAs400;
    }

    void invalidTokenAs400(boolean as400) {
        invalidTokenAs400 = as400;
    }

    Merchant merchant(String shortcode) {
        return merchantsByShortcode.get(shortcode);
    }

    /** With no consumer registered, any well-formed key and secret is accepted (handy for local runs). */
    boolean acceptsConsumer(String key, String secret) {
        return secretsByConsumerKey.isEmpty() || secret.equals(secretsByConsumerKey.get(key));
    }

    boolean acceptsAnyConsumer() {
        return secretsByConsumerKey.isEmpty();
    }

    Duration tokenLifetime() {
        return tokenLifetime;
    }

    Duration slowAnswerDelay() {
        return slowAnswerDelay;
    }

    Duration callbackDelay() {
        return callbackDelay;
    }

    void callbackDelay(Duration delay) {
        callbackDelay = delay;
    }

    /** A push's answer waits out the latency as it is when the wait ends: set meanwhile, it applies at once. */
    void pushLatency(Duration latency) {
        synchronized (pushLatencyChange) {
            pushLatency = latency;
            pushLatencyChange.notifyAll();
        }
    }

    /**
     * Until the push latency has passed since {@code receivedNanos} ({@link System#nanoTime()} when the push came), the
     * latency read as it is now: set longer meanwhile, the answer waits longer; set shorter, one past it goes at once.
     * Returns at once when interrupted (the simulator closing).
     */
    void holdPushAnswer(long receivedNanos) {
        synchronized (pushLatencyChange) {
            long left;
            while ((left = pushLatency.toNanos() - (System.nanoTime() - receivedNanos)) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(pushLatencyChange, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    boolean dropCallbacks() {
        return dropCallbacks;
    }

    void dropCallbacks(boolean drop) {
        dropCallbacks = drop;
    }

    boolean duplicateCallbacks() {
        return duplicateCallbacks;
    }

    void duplicateCallbacks(boolean duplicate) {
        duplicateCallbacks = duplicate;
    }

    boolean queryPendingAs4999() {
        return queryPendingAs4999;
    }

    void queryPendingAs4999(boolean as4999) {
        queryPendingAs4999 = as4999;
    }
}
