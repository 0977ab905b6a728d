package io.stkbridge.daraja;

import io.stkbridge.Correlation;
import io.stkbridge.metrics.DarajaLatency;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

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
        // the token call is an exchange of its own: when it is done Camel clears the correlation fields of the push or
        // query that needed the token, so they are put back
        Map<String, String> correlation = Correlation.current();
        Exchange answer;
        try {
            answer = template.request("direct:daraja-token", exchange -> {
                exchange.setProperty(DarajaCalls.BASE_URL_PROPERTY, merchant.baseUrl());
                exchange.setProperty(DarajaLatency.MERCHANT_PROPERTY, merchant.name());
                exchange.getMessage().setHeader("Authorization", "Basic " + basic);
            });
        } finally {
            Correlation.restore(correlation);
        }
        if (answer.getException() != null) {
            // No cause attached: error handling must see "nothing was pushed", not the IOException of the token call.
            throw new DarajaUnavailableException("OAuth token request failed: "
                    + answer.getException().getClass().getSimpleName());
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        return OAuthAnswers.read(status, answer.getMessage().getBody(String.class));
    }
}
