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
        if (settings.oauthUnavailable()) {
            return Reply.html(503, "<html><body><h1>503 Service Unavailable</h1></body></html>");
        }
        if (!"client_credentials".equals(request.queryParameter("grant_type"))) {
            throw new DarajaError(400, "400.008.02", "Invalid grant type passed");
        }
        String consumerKey = validConsumerKey(request.header("Authorization"));
        if (consumerKey == null) {
            throw new DarajaError(400, "400.008.01", "Invalid Authentication passed");
        }
        ledger.countTokenIssued(consumerKey);
        // expires_in is a string on the real wire, whatever the documentation shows.
        return Reply.json(200, Json.object()
                .put("access_token", tokens.issue(consumerKey))
                .put("expires_in", String.valueOf(settings.tokenLifetime().toSeconds())));
    }

    /** The consumer key of valid Basic credentials, or null. */
    private String validConsumerKey(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(BASIC.length()).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        int colon = decoded.indexOf(':');
        boolean valid = colon > 0 && colon < decoded.length() - 1
                && settings.acceptsConsumer(decoded.substring(0, colon), decoded.substring(colon + 1));
        return valid ? decoded.substring(0, colon) : null;
    }
}
