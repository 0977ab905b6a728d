package io.stkbridge.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** POST /mpesa/stkpush/v1/processrequest. */
final class StkPushEndpoint implements Router.Endpoint {

    private static final String ACCEPTED = "Success. Request accepted for processing";
    /** The longest a push answer waits for its callback with {@link Settings#answerPushesAfterTheirCallback()}. */
    private static final Duration CALLBACK_WAIT = Duration.ofSeconds(10);
    /** Between the bytes of a trickled answer (Amount 6100): its ~200 bytes take about 50 s. */
    private static final Duration TRICKLE_PAUSE = Duration.ofMillis(250);

    private final Settings settings;
    private final TokenStore tokens;
    private final RequestChecks checks;
    private final Ledger ledger;
    private final CallbackSender callbacks;
    private final Clock clock;

    StkPushEndpoint(Settings settings, TokenStore tokens, RequestChecks checks, Ledger ledger,
                    CallbackSender callbacks, Clock clock) {
        this.settings = settings;
        this.tokens = tokens;
        this.checks = checks;
        this.ledger = ledger;
        this.callbacks = callbacks;
        this.clock = clock;
    }

    @Override
    public Reply answer(Request request) {
        long received = System.nanoTime();
        ledger.pushStarted();
        try {
            Reply reply;
            try {
                reply = decide(request);
            } catch (DarajaError refusal) {
                reply = refusal.reply();
            }
            settings.holdPushAnswer(received);
            return reply;
        } finally {
            ledger.pushFinished();
        }
    }

    private Reply decide(Request request) {
        String consumerKey = tokens.requireValidBearer(request, settings.invalidTokenAs400());
        PushRequest push = checks.push(Json.requireObject(request.body()));
        Scenario scenario = Scenario.forAmount(push.amount());
        if (scenario instanceof Scenario.Refused refused) {
            ledger.countRefusedPush();
            return refused.reply();
        }
        Scenario.Accepted accepted = (Scenario.Accepted) scenario;
        PushEntry entry = register(push, outcomeOf(push, accepted), consumerKey);
        int copies = copiesToSend(accepted);
        callbacks.schedule(entry, copies);
        if (copies > 0 && settings.answerPushesAfterTheirCallback()) {
            awaitCallbackPosted(entry);
        }
        return answer(entry, accepted.answer());
    }

    /** Until the push's first callback POST has been answered (or failed), at most {@link #CALLBACK_WAIT}. */
    private void awaitCallbackPosted(PushEntry entry) {
        long deadline = System.nanoTime() + CALLBACK_WAIT.toNanos();
        while (ledger.callbacks().stream().noneMatch(c -> c.checkoutRequestId().equals(entry.checkoutRequestId()))
                && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
            Pause.of(Duration.ofMillis(5));
        }
    }

    private static Result outcomeOf(PushRequest push, Scenario.Accepted accepted) {
        return push.partyBMatchesTransactionType() ? accepted.result() : Result.NOT_PERMITTED;
    }

    /** Toggles are read once, at push time, so flipping them later never changes a push already made. */
    private int copiesToSend(Scenario.Accepted accepted) {
        if (accepted.callbackDropped() || settings.dropCallbacks()) {
            return 0;
        }
        return settings.duplicateCallbacks() ? 2 : 1;
    }

    private PushEntry register(PushRequest push, Result result, String consumerKey) {
        Instant now = clock.instant();
        Instant outcomeAt = now.plus(settings.callbackDelay());
        PushEntry entry;
        do {
            ReceivedPush received = new ReceivedPush(push.accountReference(), push.amount(), push.phoneNumber(),
                    push.merchant().shortcode(), push.partyB(), push.transactionType(), push.callbackUrl(),
                    Ids.checkoutRequestId(now), now, consumerKey);
            entry = new PushEntry(received, Ids.merchantRequestId(), result, outcomeAt);
        } while (!ledger.register(entry));
        return entry;
    }

    private Reply answer(PushEntry entry, Scenario.Answer answer) {
        return switch (answer) {
            case ACCEPTED -> accepted(entry);
            case INTERNAL_ERROR -> DarajaError.internalServerError().reply();
            case UNFAMILIAR_MERCHANT_ERROR -> DarajaError.merchantRefusal("System error occurred, please try again").reply();
            case CONNECTION_CLOSED -> Reply.CLOSE_CONNECTION;
            case ACCEPTED_WITHOUT_CHECKOUT_ID -> Reply.json(200, Json.object()
                    .put("MerchantRequestID", entry.merchantRequestId())
                    .put("ResponseCode", "0")
                    .put("ResponseDescription", ACCEPTED));
            case TRICKLED -> accepted(entry).trickled(TRICKLE_PAUSE);
            case SLOW -> {
                Pause.of(settings.slowAnswerDelay());
                yield accepted(entry);
            }
        };
    }

    private static Reply accepted(PushEntry entry) {
        return Reply.json(200, Json.object()
                .put("MerchantRequestID", entry.merchantRequestId())
                .put("CheckoutRequestID", entry.checkoutRequestId())
                .put("ResponseCode", "0")
                .put("ResponseDescription", ACCEPTED)
                .put("CustomerMessage", ACCEPTED));
    }
}
