package io.stkbridge.daraja;

/**
 * One shortcode this deployment collects for, with its Daraja app credentials.
 * {@link #toString()} is overridden so that a log line or an error message can never carry a secret.
 *
 * @param partyB          PayBill: the shortcode itself; BuyGoods: the till number
 * @param fixedPassword   a password + timestamp pair supplied instead of the passkey (both blank when the passkey is used)
 * @param environment     {@code sandbox} or {@code production}
 * @param baseUrl         where its Daraja calls go (the environment's host, or DARAJA_BASE_URL); blank: not configured
 * @param pushTps         most pushes per second to its shortcode, all instances together; 0: the configured default
 * @param accountReferenceRule AccountReference of an intent that names none and whose order id is over 12 characters
 */
public record Merchant(
        String name,
        String shortcode,
        String partyB,
        String transactionType,
        AccountReferenceRule accountReferenceRule,
        String consumerKey,
        String consumerSecret,
        String passkey,
        String fixedPassword,
        String fixedTimestamp,
        String environment,
        String baseUrl,
        int pushTps) {

    public static final String PAY_BILL = "CustomerPayBillOnline";
    public static final String BUY_GOODS = "CustomerBuyGoodsOnline";
    public static final String SANDBOX = "sandbox";
    public static final String PRODUCTION = "production";

    /** A sandbox merchant without its own base URL or push rate (unit tests). */
    public Merchant(String name, String shortcode, String partyB, String transactionType,
                    String consumerKey, String consumerSecret, String passkey, String fixedPassword, String fixedTimestamp) {
        this(name, shortcode, partyB, transactionType, AccountReferenceRule.LAST_12, consumerKey, consumerSecret, passkey,
                fixedPassword, fixedTimestamp, SANDBOX, "", 0);
    }

    /** PartyB for a push of the given type: the till for BuyGoods, the shortcode for PayBill. */
    public String partyBFor(String type) {
        return BUY_GOODS.equals(type) ? partyB : shortcode;
    }

    public boolean usesFixedPassword() {
        return fixedPassword != null && !fixedPassword.isBlank();
    }

    @Override
    public String toString() {
        return "Merchant[" + name + ", shortcode " + shortcode + ", " + transactionType + ", " + environment + "]";
    }
}
