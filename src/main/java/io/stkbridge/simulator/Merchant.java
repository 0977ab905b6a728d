package io.stkbridge.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A registered BusinessShortCode, its passkey and, for Buy Goods, its till number (may be null). */
record Merchant(String shortcode, String passkey, String tillNumber) {

    static final String PAYBILL = "CustomerPayBillOnline";
    static final String BUY_GOODS = "CustomerBuyGoodsOnline";

    String passwordFor(String timestamp) {
        byte[] raw = (shortcode + passkey + timestamp).getBytes(StandardCharsets.UTF_8);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** PayBill pays into the shortcode itself; Buy Goods pays into the till registered for it. */
    boolean acceptsPartyB(String transactionType, String partyB) {
        return switch (transactionType) {
            case PAYBILL -> shortcode.equals(partyB);
            case BUY_GOODS -> partyB.equals(tillNumber);
            default -> false;
        };
    }
}
