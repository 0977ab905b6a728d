package io.stkbridge.daraja;

import io.stkbridge.Correlation;
import io.stkbridge.StkMetrics;
import io.stkbridge.ledger.AttemptLedger;

/** The callback endpoint's logic: check the source and the URL's token, then parse and hand to the ledger's inbox. */
public class CallbackReceiver {

    private final CallbackTokens tokens;
    private final StkMetrics metrics;
    private final CallbackSources sources;
    private final AttemptLedger ledger;

    public CallbackReceiver(CallbackTokens tokens, StkMetrics metrics, CallbackSources sources, AttemptLedger ledger) {
        this.tokens = tokens;
        this.metrics = metrics;
        this.sources = sources;
        this.ledger = ledger;
    }

    /** The source and the URL's token: a callback from elsewhere, or with a token not issued for this attempt, goes no further. */
    public void admit(String attemptId, String token, String remoteAddress, String forwardedFor) {
        if (!sources.permits(remoteAddress, forwardedFor) || !tokens.verify(attemptId, token)) {
            metrics.callbackRefused("REFUSED");
            throw new CallbackRejectedException();
        }
        Correlation.callbackFor(attemptId);
    }

    /** An {@linkplain #admit admitted} callback: parsed, then stored and applied by the ledger in one transaction. */
    public AttemptLedger.CallbackDisposition apply(String attemptId, String body) {
        StkCallback callback;
        try {
            callback = StkCallback.parse(body);
        } catch (MalformedCallbackException malformed) {
            metrics.callbackMalformed();
            throw malformed;
        }
        AttemptLedger.CallbackDisposition disposition;
        try {
            disposition = ledger.receiveCallback(attemptId, callback, body);
        } catch (RuntimeException notStored) {
            metrics.callbackFailed();
            throw notStored;
        }
        metrics.callbackReceived(disposition);
        return disposition;
    }
}
