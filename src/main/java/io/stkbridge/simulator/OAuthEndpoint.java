package io.stkbridge.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** GET /oauth/v1/generate?grant_type=client_credentials with Basic consumer credentials. */
final class OAuthEndpoint implements Router.Endpoint {

    private static final String BASIC = "Basic ";

    private final Settings settings;
    private final TokenStore tokens;
    private final Ledger ledger;

    OAuthEndpoint(Settings settings, TokenStore tokens, Ledger ledger) {
        this.settings = settings;
        this.tokens = tokens;
        this.ledger = ledger;
    }

    @Override
    public Reply answer(Request request) {
        ledger.countTokenRequest();
        if (!"client_credentials".equals(request.queryParameter("grant_type"))) {
            throw new DarajaError(400, "400.008.02", "Invalid grant type passed");
        }
        if (!hasValidCredentials(request.header("Authorization"))) {
            throw new DarajaError(400, "400.008.01", "Invalid Authentication passed");
        }
        // expires_in is a string on the real wire, whatever the documentation shows.
        return Reply.json(200, Json.object()
                .put("access_token", tokens.issue())
                .put("expires_in", String.valueOf(settings.tokenLifetime().toSeconds())));
    }

    private boolean hasValidCredentials(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon > 0 && colon < decoded.length() - 1
                && settings.acceptsConsumer(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
}
