package io.stkbridge.daraja;

import io.stkbridge.ledger.Attempt;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON body of {@code POST /mpesa/stkpush/v1/processrequest} for an attempt, with a fresh Password/Timestamp. */
public class StkPushRequests {

    private final Merchants merchants;
    private final StkPassword passwords;
    private final CallbackTokens callbackTokens;

    public StkPushRequests(Merchants merchants, StkPassword passwords, CallbackTokens callbackTokens) {
        this.merchants = merchants;
        this.passwords = passwords;
        this.callbackTokens = callbackTokens;
    }

    public Map<String, Object> build(Attempt attempt) {
        Merchant merchant = merchants.byName(attempt.merchant());
        StkPassword.Credentials credentials = passwords.forMerchant(merchant);
        Map<String, Object> request = body(attempt, merchant, callbackTokens.callbackUrl(attempt.attemptId()));
        request.put("Password", credentials.password());
        request.put("Timestamp", credentials.timestamp());
        return request;
    }

    /** The request as the ledger keeps it: no Password, and the CallBackURL without its token. */
    public Map<String, Object> forLedger(Attempt attempt) {
        Merchant merchant = merchants.byName(attempt.merchant());
        return body(attempt, merchant, callbackTokens.redactedCallbackUrl(attempt.attemptId()));
    }

    private static Map<String, Object> body(Attempt attempt, Merchant merchant, String callbackUrl) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("BusinessShortCode", merchant.shortcode());
        request.put("TransactionType", attempt.transactionType());
        request.put("Amount", attempt.amount());
        request.put("PartyA", attempt.phoneNumber());
        request.put("PartyB", merchant.partyBFor(attempt.transactionType()));
        request.put("PhoneNumber", attempt.phoneNumber());
        request.put("CallBackURL", callbackUrl);
        request.put("AccountReference", attempt.accountReference());
        request.put("TransactionDesc", attempt.description());
        return request;
    }
}
