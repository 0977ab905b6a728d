package io.stkbridge.daraja;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Fetches OAuth tokens through the {@code daraja-token} route, so the call is a Camel HTTP step like every Daraja call. */
public class CamelTokenFetcher implements DarajaTokenCache.Fetcher {

    private final ProducerTemplate template;

    public CamelTokenFetcher(ProducerTemplate template) {
        this.template = template;
    }

    @Override
    public DarajaTokenCache.AccessToken fetch(Merchant merchant) {
        String basic = Base64.getEncoder().encodeToString(
                (merchant.consumerKey() + ":" + merchant.consumerSecret()).getBytes(StandardCharsets.UTF_8));
        Exchange answer = template.request("direct:daraja-token",
                exchange -> exchange.getMessage().setHeader("Authorization", "Basic " + basic));
        if (answer.getException() != null) {
            // No cause attached: error handling must see "nothing was pushed", not the IOException of the token call.
            throw new DarajaUnavailableException("OAuth token request failed: "
                    + answer.getException().getClass().getSimpleName());
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        return OAuthAnswers.read(status, answer.getMessage().getBody(String.class));
    }
}
