package io.stkbridge.simulator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Everything the simulator saw and did, for the tests to inspect. */
final class Ledger {

    private final Map<String, PushEntry> entriesByCheckoutId = new ConcurrentHashMap<>();
    private final Queue<ReceivedPush> pushes = new ConcurrentLinkedQueue<>();
    private final Queue<ReceivedQuery> queries = new ConcurrentLinkedQueue<>();
    private final Queue<SentCallback> callbacks = new ConcurrentLinkedQueue<>();
    private final Map<String, Set<String>> headerNamesByPath = new ConcurrentHashMap<>();
    private final AtomicInteger refusedPushes = new AtomicInteger();
    private final Queue<Duration> trickleCuts = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pushRequests = new AtomicInteger();
    private final AtomicInteger requestsOnExpiredConnections = new AtomicInteger();
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final Map<String, AtomicInteger> tokensIssued = new ConcurrentHashMap<>();
    private final AtomicInteger pushesBeingAnswered = new AtomicInteger();
    private final AtomicInteger maxConcurrentPushes = new AtomicInteger();
    // Receipts stay unique for the simulator's whole life, across resets.
    private final Set<String> receiptNumbers = ConcurrentHashMap.newKeySet();

    /** False when the CheckoutRequestID is already taken; the caller draws another. */
    boolean register(PushEntry entry) {
        if (entriesByCheckoutId.putIfAbsent(entry.checkoutRequestId(), entry) != null) {
            return false;
        }
        pushes.add(entry.push());
        return true;
    }

    Optional<PushEntry> find(String checkoutRequestId) {
        return checkoutRequestId == null ? Optional.empty()
                : Optional.ofNullable(entriesByCheckoutId.get(checkoutRequestId));
    }

    /** False once reset() forgot the entry: its pending callback must not be sent any more. */
    boolean isCurrent(PushEntry entry) {
        return entriesByCheckoutId.get(entry.checkoutRequestId()) == entry;
    }

    String newReceiptNumber() {
        String receipt;
        do {
            receipt = Ids.receiptNumber();
        } while (!receiptNumbers.add(receipt));
        return receipt;
    }

    void recordHeaderNames(String path, Set<String> names) {
        Set<String> seen = headerNamesByPath.computeIfAbsent(path, p -> ConcurrentHashMap.newKeySet());
        names.forEach(name -> seen.add(name.toLowerCase(java.util.Locale.ROOT)));
    }

    Set<String> headerNames(String path) {
        return Set.copyOf(headerNamesByPath.getOrDefault(path, Set.of()));
    }

    void recordQuery(ReceivedQuery query) {
        queries.add(query);
    }

    void recordCallback(SentCallback callback) {
        callbacks.add(callback);
    }

    void pushStarted() {
        pushRequests.incrementAndGet();
        maxConcurrentPushes.accumulateAndGet(pushesBeingAnswered.incrementAndGet(), Math::max);
    }

    void pushFinished() {
        pushesBeingAnswered.decrementAndGet();
    }

    int pushesBeingAnswered() {
        return pushesBeingAnswered.get();
    }

    int maxConcurrentPushes() {
        return maxConcurrentPushes.get();
    }

    void countRequestOnExpiredConnection() {
        requestsOnExpiredConnections.incrementAndGet();
    }

    int requestsOnExpiredConnections() {
        return requestsOnExpiredConnections.get();
    }

    void recordTrickleCut(Duration after) {
        trickleCuts.add(after);
    }

    List<Duration> trickleCuts() {
        return List.copyOf(trickleCuts);
    }

    void countRefusedPush() {
        refusedPushes.incrementAndGet();
    }

    void countTokenRequest() {
        tokenRequests.incrementAndGet();
    }

    void countTokenIssued(String consumerKey) {
        tokensIssued.computeIfAbsent(consumerKey, key -> new AtomicInteger()).incrementAndGet();
    }

    int tokensIssuedTo(String consumerKey) {
        AtomicInteger count = tokensIssued.get(consumerKey);
        return count == null ? 0 : count.get();
    }

    List<ReceivedPush> pushes() {
        return List.copyOf(pushes);
    }

    List<ReceivedQuery> queries() {
        return List.copyOf(queries);
    }

    List<SentCallback> callbacks() {
        return List.copyOf(callbacks);
    }

    int pushRequestCount() {
        return pushRequests.get();
    }

    int refusedPushCount() {
        return refusedPushes.get();
    }

    int tokenRequestCount() {
        return tokenRequests.get();
    }

    void clear() {
        entriesByCheckoutId.clear();
        pushes.clear();
        queries.clear();
        callbacks.clear();
        headerNamesByPath.clear();
        refusedPushes.set(0);
        pushRequests.set(0);
        requestsOnExpiredConnections.set(0);
        tokenRequests.set(0);
        tokensIssued.clear();
        maxConcurrentPushes.set(pushesBeingAnswered.get());
    }
}
