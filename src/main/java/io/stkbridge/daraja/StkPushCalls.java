package io.stkbridge.daraja;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.ledger.Attempt;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** The steps of the stk-push route that are logic rather than flow: the request, its bearer token, reading the answer. */
public class StkPushCalls {

    static final String AUTHORIZATION = "Authorization";

    private final StkPushRequests requests;
    private final DarajaTokenCache tokens;
    private final Merchants merchants;
    private final ObjectMapper mapper;

    public StkPushCalls(StkPushRequests requests, DarajaTokenCache tokens, Merchants merchants, ObjectMapper mapper) {
        this.requests = requests;
        this.tokens = tokens;
        this.merchants = merchants;
        this.mapper = mapper;
    }

    /** Sets the body to the push request (fresh Password/Timestamp) and the bearer token header. */
    public void prepare(Attempt attempt, Exchange exchange) throws JsonProcessingException {
        Message message = exchange.getMessage();
        message.setBody(mapper.writeValueAsString(requests.build(attempt)));
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(AUTHORIZATION, "Bearer " + tokens.bearer(merchants.byName(attempt.merchant())));
    }

    /** Daraja refused the token (expired early, revoked): forget it and prepare the request again with a new one. */
    public void renewToken(Attempt attempt, Exchange exchange) throws JsonProcessingException {
        String refused = exchange.getMessage().getHeader(AUTHORIZATION, "", String.class).replaceFirst("^Bearer ", "");
        tokens.invalidate(merchants.byName(attempt.merchant()), refused);
        prepare(attempt, exchange);
    }

    public PushAnswer read(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        return PushAnswer.read(status, exchange.getMessage().getBody(String.class));
    }
}
