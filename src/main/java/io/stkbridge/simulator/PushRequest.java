package io.stkbridge.simulator;

/** A push request that passed every field check. */
record PushRequest(
        Merchant merchant,
        String transactionType,
        int amount,
        String partyA,
        String partyB,
        String phoneNumber,
        String callbackUrl,
        String accountReference,
        String transactionDesc) {

    boolean partyBMatchesTransactionType() {
        return merchant.acceptsPartyB(transactionType, partyB);
    }
}
