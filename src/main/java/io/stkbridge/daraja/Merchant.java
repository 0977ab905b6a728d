package io.stkbridge.daraja;

/**
 * One shortcode this deployment collects for, with its Daraja app credentials.
 * {@link #toString()} is overridden so that a log line or an error message can never carry a secret.
 *
 * @param partyB          PayBill: the shortcode itself; BuyGoods: the till number
 * @param fixedPassword   a password + timestamp pair supplied instead of the passkey (both blank when the passkey is used)
 */
public record Merchant(
        String name,
        String shortcode,
        String partyB,
        String transactionType,
        String defaultAccountReference,
        String consumerKey,
        String consumerSecret,
        String passkey,
        String fixedPassword,
        String fixedTimestamp) {

    public static final String PAY_BILL = "CustomerPayBillOnline";
    public static final String BUY_GOODS = "CustomerBuyGoodsOnline";

    /** PartyB for a push of the given type: the till for BuyGoods, the shortcode for PayBill. */
    public String partyBFor(String type) {
        return BUY_GOODS.equals(type) ? partyB : shortcode;
    }

    public boolean usesFixedPassword() {
        return fixedPassword != null && !fixedPassword.isBlank();
    }

    @Override
    public String toString() {
        return "Merchant[" + name + ", shortcode " + shortcode + ", " + transactionType + "]";
    }
}
