package io.stkbridge.daraja;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DarajaTokenHealthTest {

    static final Merchant SHOP = new Merchant("shop", "174379", "174379", Merchant.PAY_BILL, "shop-key", "s", "pk", "", "");
    static final Merchant KIOSK = new Merchant("kiosk", "600100", "600100", Merchant.BUY_GOODS, "kiosk-key", "s", "pk", "", "");

    /** Daraja refuses the consumer keys named; it gives the others a token. */
    private static DarajaTokenCache tokens(Set<String> refusedKeys) {
        return new DarajaTokenCache(merchant -> {
            if (refusedKeys.contains(merchant.consumerKey())) {
                throw new DarajaAuthException("Daraja refused the OAuth request: 400.008.01 Invalid Authentication passed");
            }
            return new DarajaTokenCache.AccessToken("token-" + merchant.name(), Duration.ofHours(1));
        }, Clock.systemUTC(), Duration.ofMinutes(1));
    }

    private static HealthCheck.Result check(DarajaTokenCache tokens) {
        DarajaTokenHealth health = new DarajaTokenHealth(new Merchants(List.of(SHOP, KIOSK)), tokens);
        health.setCamelContext(new DefaultCamelContext());
        return health.call();
    }

    private static void tryToken(DarajaTokenCache tokens, Merchant merchant) {
        try {
            tokens.bearer(merchant);
        } catch (RuntimeException refused) {
            // what the check reads afterwards
        }
    }

    @Test
    void oneMerchantRefusedIsNamedButTheInstanceStaysReadyForTheOthersCallbacks() {
        DarajaTokenCache tokens = tokens(Set.of("kiosk-key"));
        tryToken(tokens, SHOP);
        tryToken(tokens, KIOSK);
        HealthCheck.Result result = check(tokens);
        assertEquals(HealthCheck.State.UP, result.getState());
        assertEquals("REFUSED", result.getDetails().get("merchant.kiosk"));
        assertEquals("VALID", result.getDetails().get("merchant.shop"));
        assertTrue(result.getMessage().orElse("").contains("kiosk"), result.getMessage().toString());
    }

    @Test
    void everyMerchantRefusedMakesTheInstanceUnready() {
        DarajaTokenCache tokens = tokens(Set.of("shop-key", "kiosk-key"));
        tryToken(tokens, SHOP);
        tryToken(tokens, KIOSK);
        assertEquals(HealthCheck.State.DOWN, check(tokens).getState());
    }

    @Test
    void noTokenFetchedYetIsReady() {
        HealthCheck.Result result = check(tokens(Set.of()));
        assertEquals(HealthCheck.State.UP, result.getState());
        assertEquals("NONE", result.getDetails().get("merchant.shop"));
        assertThrows(DarajaAuthException.class, () -> tokens(Set.of("shop-key")).bearer(SHOP));
    }
}
