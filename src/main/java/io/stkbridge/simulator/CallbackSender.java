package io.stkbridge.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/** POSTs each push's result to its CallBackURL at the push's outcome time; never retries. */
final class CallbackSender {

    private static final Logger LOG = Logger.getLogger(CallbackSender.class.getPackageName());
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(10);

    private final ScheduledExecutorService scheduler;
    private final List<HttpClient> clients;
    private final AtomicInteger next = new AtomicInteger();
    private final Ledger ledger;
    private final Clock clock;

    /** Callbacks go out through the clients in turn: one JDK HttpClient does all its I/O on a single selector thread. */
    CallbackSender(ScheduledExecutorService scheduler, List<HttpClient> clients, Ledger ledger, Clock clock) {
        this.scheduler = scheduler;
        this.clients = List.copyOf(clients);
        this.ledger = ledger;
        this.clock = clock;
    }

    void schedule(PushEntry entry, int copies) {
        if (copies == 0) {
            return;
        }
        long delayMillis = Math.max(0, Duration.between(clock.instant(), entry.outcomeAt()).toMillis());
        scheduler.schedule(() -> send(entry, copies), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void send(PushEntry entry, int copies) {
        if (!ledger.isCurrent(entry)) {
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(entry.push().callbackUrl()))
                .timeout(POST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body(entry))))
                .build();
        post(entry, request, copies);
    }

    /** Copies are posted one after the other, the same body each time, as a redelivery would be. */
    private void post(PushEntry entry, HttpRequest request, int copiesLeft) {
        HttpClient client = clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            record(entry, response, failure);
            if (copiesLeft > 1 && !scheduler.isShutdown()) {
                post(entry, request, copiesLeft - 1);
            }
        });
    }

    private void record(PushEntry entry, HttpResponse<Void> response, Throwable failure) {
        if (!ledger.isCurrent(entry)) {
            return; // posted before a reset(), answered after it: not part of the new history
        }
        Integer status = response == null ? null : response.statusCode();
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String problem = cause == null ? null : cause.getClass().getName() + ": " + cause.getMessage();
        ledger.recordCallback(new SentCallback(entry.checkoutRequestId(), entry.result().code(), status, problem,
                clock.instant()));
        LOG.fine(() -> String.format("callback %s ResultCode %d -> %s", entry.checkoutRequestId(),
                entry.result().code(), status != null ? status : problem));
    }

    private ObjectNode body(PushEntry entry) {
        ObjectNode stkCallback = Json.object()
                .put("MerchantRequestID", entry.merchantRequestId())
                .put("CheckoutRequestID", entry.checkoutRequestId())
                .put("ResultCode", entry.result().code())
                .put("ResultDesc", entry.result().description());
        if (entry.result().isSuccess()) {
            stkCallback.putObject("CallbackMetadata").set("Item", metadataItems(entry));
        }
        ObjectNode root = Json.object();
        root.putObject("Body").set("stkCallback", stkCallback);
        return root;
    }

    private ArrayNode metadataItems(PushEntry entry) {
        ArrayNode items = Json.array();
        // DecimalNode keeps the scale, so the wire shows 1.00 as Daraja writes it.
        items.addObject().put("Name", "Amount")
                .set("Value", DecimalNode.valueOf(BigDecimal.valueOf(entry.push().amount()).setScale(2)));
        items.addObject().put("Name", "MpesaReceiptNumber").put("Value", ledger.newReceiptNumber());
        items.addObject().put("Name", "Balance");
        items.addObject().put("Name", "TransactionDate").put("Value", transactionDate(entry.outcomeAt()));
        items.addObject().put("Name", "PhoneNumber").put("Value", Long.parseLong(entry.push().phone()));
        return items;
    }

    private static long transactionDate(Instant at) {
        return Long.parseLong(DarajaTime.timestamp(at));
    }
}
