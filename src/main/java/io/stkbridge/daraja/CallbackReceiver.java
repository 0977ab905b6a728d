package io.stkbridge.daraja;

import io.stkbridge.ledger.AttemptLedger;

/** The callback endpoint's logic: authenticate the URL's token, parse, hand to the ledger's inbox. */
public class CallbackReceiver {

    private final CallbackTokens tokens;
    private final AttemptLedger ledger;

    public CallbackReceiver(CallbackTokens tokens, AttemptLedger ledger) {
        this.tokens = tokens;
        this.ledger = ledger;
    }

    public AttemptLedger.CallbackDisposition receive(String attemptId, String token, String body) {
        if (!tokens.verify(attemptId, token)) {
            throw new CallbackRejectedException();
        }
        return ledger.receiveCallback(attemptId, StkCallback.parse(body), body);
    }
}
