package io.stkbridge.daraja;

import io.stkbridge.Tracing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.Correlation;
import io.stkbridge.ledger.Attempt;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The steps of the stk-push and stk-query routes that are logic rather than flow: the request with a fresh
 * Password/Timestamp, its bearer token, renewing a refused token, and reading the answer.
 */
public class DarajaCalls {

    private static final Logger LOG = LoggerFactory.getLogger(DarajaCalls.class);

    static final String AUTHORIZATION = "Authorization";
    /** The property that says what asked for a query (the stk-query route's callers set it): SWEEP, HTTP or KAFKA. */
    static final String QUERY_TRIGGER = "queryTrigger";
    static final String REQUEST_PROPERTY = "darajaRequest";
    static final String TOKEN_PROPERTY = "darajaToken";
    /** The merchant's Daraja host (its environment's, or DARAJA_BASE_URL): the routes' {@code toD} URIs start with it. */
    public static final String BASE_URL_PROPERTY = "darajaBaseUrl";

    private final StkPushRequests pushRequests;
    private final StkPassword passwords;
    private final DarajaTokenCache tokens;
    private final Merchants merchants;
    private final ObjectMapper mapper;

    public DarajaCalls(StkPushRequests pushRequests, StkPassword passwords, DarajaTokenCache tokens, Merchants merchants,
                       ObjectMapper mapper) {
        this.pushRequests = pushRequests;
        this.passwords = passwords;
        this.tokens = tokens;
        this.merchants = merchants;
        this.mapper = mapper;
    }

    /**
     * Makes the merchant's OAuth token ready (fetched when none is fresh) before a push waits for its turn under the rate:
     * the turn is then followed by the send, not by a token fetch that would bunch the turns taken meanwhile at Daraja.
     */
    public void readyToken(Attempt attempt) {
        tokens.bearer(merchants.byName(attempt.merchant()));
    }

    public void preparePush(Attempt attempt, Exchange exchange) throws JsonProcessingException {
        prepare(attempt, pushRequests.build(attempt), exchange);
    }

    public void prepareQuery(Attempt attempt, Exchange exchange) throws JsonProcessingException {
        Merchant merchant = merchants.byName(attempt.merchant());
        StkPassword.Credentials credentials = passwords.forMerchant(merchant);
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("BusinessShortCode", merchant.shortcode());
        query.put("Password", credentials.password());
        query.put("Timestamp", credentials.timestamp());
        query.put("CheckoutRequestID", attempt.checkoutRequestId());
        Tracing.queryTrigger(exchange.getProperty(QUERY_TRIGGER, String.class));
        prepare(attempt, query, exchange);
    }

    private void prepare(Attempt attempt, Map<String, Object> request, Exchange exchange) throws JsonProcessingException {
        Correlation.attempt(attempt);
        Merchant merchant = merchants.byName(attempt.merchant());
        Tracing.merchant(merchant.name());
        String body = mapper.writeValueAsString(request);
        exchange.setProperty(REQUEST_PROPERTY, body);
        exchange.setProperty(BASE_URL_PROPERTY, merchant.baseUrl());
        Message message = exchange.getMessage();
        message.setBody(body);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        authorize(exchange, tokens.bearer(merchant));
    }

    private static void authorize(Exchange exchange, String token) {
        exchange.setProperty(TOKEN_PROPERTY, token);
        exchange.getMessage().setHeader(AUTHORIZATION, "Bearer " + token);
    }

    /** Daraja refused the token (expired early, revoked): forget it and send the same request with a new one. */
    public void renewToken(Attempt attempt, Exchange exchange) {
        Merchant merchant = merchants.byName(attempt.merchant());
        tokens.invalidate(merchant, exchange.getProperty(TOKEN_PROPERTY, "", String.class));
        Message message = exchange.getMessage();
        message.setBody(exchange.getProperty(REQUEST_PROPERTY, String.class));
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        authorize(exchange, tokens.bearer(merchant));
    }

    public PushAnswer readPush(Exchange exchange) {
        return PushAnswer.read(status(exchange), exchange.getMessage().getBody(String.class));
    }

    public QueryAnswer readQuery(Attempt attempt, Exchange exchange) {
        QueryAnswer answer = QueryAnswer.read(status(exchange), exchange.getMessage().getBody(String.class),
                attempt.checkoutRequestId());
        if (answer.kind() == QueryAnswer.Kind.OTHER_PAYMENT) {
            LOG.error("STK Query for attempt {} (CheckoutRequestID {}) was answered about another payment, CheckoutRequestID "
                    + "{}: the answer decides nothing, and the attempt is asked again", attempt.attemptId(),
                    attempt.checkoutRequestId(), answer.namedCheckoutRequestId());
        }
        return answer;
    }

    private static int status(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
    }
}
