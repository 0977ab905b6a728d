package io.stkbridge.daraja;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Readiness: an OAuth token is obtainable for the merchants. It reads only what the token cache already knows and never
 * fetches a token itself. A merchant is REFUSED when it has no valid token and Daraja refused its last token request
 * (wrong consumer key/secret for the environment, or any other non-200 OAuth answer).
 * <p>
 * The check is DOWN only when every merchant is REFUSED: the instance can push for nobody (typically a rollout with
 * wrong secrets). Some merchants REFUSED keep it UP, named in the message and details: an unready instance receives no
 * callbacks at all, and the other merchants' customers are paying. A fetch that never reached Daraja is an outage:
 * reported in the details, and UP, like the paused intake, so that callbacks still arrive while Daraja is away.
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
        List<String> refused = new ArrayList<>();
        for (Merchant merchant : merchants.all()) {
            DarajaTokenCache.TokenState state = tokens.state(merchant);
            builder.detail("merchant." + merchant.name(), state.name());
            if (state == DarajaTokenCache.TokenState.REFUSED) {
                refused.add(merchant.name());
            }
        }
        if (refused.isEmpty()) {
            builder.up();
            return;
        }
        builder.message("Daraja refused the OAuth token request of merchant(s) " + String.join(", ", refused)
                + " (consumer key/secret, environment)");
        if (refused.size() == merchants.all().size()) {
            builder.down();
        } else {
            builder.up();
        }
    }
}
