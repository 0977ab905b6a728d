package io.stkbridge.daraja;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * Readiness: an OAuth token is obtainable for each merchant. It reads only what the token cache already knows and never
 * fetches a token itself. A merchant is DOWN when it has no valid token and Daraja refused its last token request
 * (wrong consumer key/secret for the environment, or any other non-200 OAuth answer). A fetch that never reached
 * Daraja is an outage: that is reported in the details but keeps the check UP, like the paused intake, so that the
 * instance still receives callbacks while Daraja is away.
 */
public class DarajaTokenHealth extends AbstractHealthCheck {

    private final Merchants merchants;
    private final DarajaTokenCache tokens;

    public DarajaTokenHealth(Merchants merchants, DarajaTokenCache tokens) {
        super("stk-bridge", "daraja-tokens");
        this.merchants = merchants;
        this.tokens = tokens;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        StringBuilder refused = new StringBuilder();
        for (Merchant merchant : merchants.all()) {
            DarajaTokenCache.TokenState state = tokens.state(merchant);
            builder.detail("merchant." + merchant.name(), state.name());
            if (state == DarajaTokenCache.TokenState.REFUSED) {
                refused.append(refused.isEmpty() ? "" : ", ").append(merchant.name());
            }
        }
        if (refused.isEmpty()) {
            builder.up();
        } else {
            builder.message("Daraja refused the OAuth token request of merchant(s) " + refused
                    + " (consumer key/secret, environment)").down();
        }
    }
}
