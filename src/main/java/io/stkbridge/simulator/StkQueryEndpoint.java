package io.stkbridge.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;

/** POST /mpesa/stkpushquery/v1/query. */
final class StkQueryEndpoint implements Router.Endpoint {

    // The misspelling is Daraja's own, as seen on the wire.
    private static final String ACCEPTED = "The service request has been accepted successsfully";
    private static final Result STILL_PROCESSING = new Result(4999, "The transaction is still under processing");

    private record Answer(Reply reply, String resultCode) {
    }

    private final Settings settings;
    private final TokenStore tokens;
    private final RequestChecks checks;
    private final Ledger ledger;
    private final Clock clock;

    StkQueryEndpoint(Settings settings, TokenStore tokens, RequestChecks checks, Ledger ledger, Clock clock) {
        this.settings = settings;
        this.tokens = tokens;
        this.checks = checks;
        this.ledger = ledger;
        this.clock = clock;
    }

    @Override
    public Reply answer(Request request) {
        tokens.requireValidBearer(request, settings.invalidTokenAs400());
        ObjectNode body = Json.requireObject(request.body());
        Answer answer;
        try {
            answer = answer(body);
        } catch (DarajaError refusal) {
            answer = new Answer(refusal.reply(), null);
        }
        ledger.recordQuery(new ReceivedQuery(Json.text(body, "CheckoutRequestID"),
                Json.text(body, "BusinessShortCode"), clock.instant(), answer.reply().status(), answer.resultCode()));
        return answer.reply();
    }

    private Answer answer(ObjectNode body) {
        Merchant merchant = checks.authenticatedMerchant(body);
        PushEntry entry = ledger.find(Json.text(body, "CheckoutRequestID"))
                .filter(found -> found.push().shortcode().equals(merchant.shortcode()))
                .orElseThrow(() -> DarajaError.invalidField("CheckoutRequestID"));
        if (clock.instant().isBefore(entry.outcomeAt())) {
            return pending(entry);
        }
        return result(entry, entry.result());
    }

    private Answer pending(PushEntry entry) {
        if (settings.queryPendingAs4999()) {
            return result(entry, STILL_PROCESSING);
        }
        return new Answer(DarajaError.merchantRefusal("The transaction is being processed").reply(), null);
    }

    /** ResultCode is a string here, unlike in the callback; no receipt and no amount. */
    private static Answer result(PushEntry entry, Result result) {
        String resultCode = String.valueOf(result.code());
        Reply reply = Reply.json(200, Json.object()
                .put("ResponseCode", "0")
                .put("ResponseDescription", ACCEPTED)
                .put("MerchantRequestID", entry.merchantRequestId())
                .put("CheckoutRequestID", entry.checkoutRequestId())
                .put("ResultCode", resultCode)
                .put("ResultDesc", result.description()));
        return new Answer(reply, resultCode);
    }
}
