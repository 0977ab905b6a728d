package io.stkbridge.daraja;

import io.stkbridge.ledger.AttemptLedger;

/** The callback endpoint's logic: check the source and the URL's token, parse, hand to the ledger's inbox. */
public class CallbackReceiver {

    private final CallbackTokens tokens;
    private final CallbackSources sources;
    private final AttemptLedger ledger;

    public CallbackReceiver(CallbackTokens tokens, CallbackSources sources, AttemptLedger ledger) {
        this.tokens = tokens;
        this.sources = sources;
        this.ledger = ledger;
    }

    public AttemptLedger.CallbackDisposition receive(String attemptId, String token, String remoteAddress, String forwardedFor,
                                                     String body) {
        if (!sources.permits(remoteAddress, forwardedFor) || !tokens.verify(attemptId, token)) {
            throw new CallbackRejectedException();
        }
        return ledger.receiveCallback(attemptId, StkCallback.parse(body), body);
    }
}
