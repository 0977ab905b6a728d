package io.stkbridge.daraja;

import io.stkbridge.intent.PaymentIntent;
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
        Map<String, Object> request = body(Payment.of(attempt), merchant, callbackTokens.callbackUrl(attempt.attemptId()));
        request.put("Password", credentials.password());
        request.put("Timestamp", credentials.timestamp());
        return request;
    }

    /**
     * The request as the ledger keeps it: no Password, and the CallBackURL without its token. From the intent, so that it
     * is written with the attempt's row (an UPDATE of the row moves every one of its index entries on H2).
     */
    public Map<String, Object> forLedger(String attemptId, PaymentIntent intent) {
        Merchant merchant = merchants.byName(intent.merchant());
        return body(Payment.of(intent), merchant, callbackTokens.redactedCallbackUrl(attemptId));
    }

    private static Map<String, Object> body(Payment payment, Merchant merchant, String callbackUrl) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("BusinessShortCode", merchant.shortcode());
        request.put("TransactionType", payment.transactionType());
        request.put("Amount", payment.amount());
        request.put("PartyA", payment.phoneNumber());
        request.put("PartyB", merchant.partyBFor(payment.transactionType()));
        request.put("PhoneNumber", payment.phoneNumber());
        request.put("CallBackURL", callbackUrl);
        request.put("AccountReference", payment.accountReference());
        request.put("TransactionDesc", payment.description());
        return request;
    }

    /** What a push request says of the payment, the same for an intent and for the attempt recorded from it. */
    private record Payment(String transactionType, Integer amount, String phoneNumber, String accountReference,
                           String description) {
        static Payment of(Attempt attempt) {
            return new Payment(attempt.transactionType(), attempt.amount(), attempt.phoneNumber(),
                    attempt.accountReference(), attempt.description());
        }

        static Payment of(PaymentIntent intent) {
            return new Payment(intent.transactionType(), intent.amount(), intent.phoneNumber(), intent.accountReference(),
                    intent.description());
        }
    }
}
