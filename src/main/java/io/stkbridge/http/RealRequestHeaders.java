package io.stkbridge.http;

import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.List;

/**
 * Camel's platform-http turns query parameters (and form fields) into message headers, under the same names as real
 * request headers: {@code ?X-Api-Key=…} or {@code ?X-Forwarded-For=…} would then read as if the client had sent those
 * headers, and credentials in a URL end up in access logs. Before any route decides on them, the headers that carry a
 * security decision are replaced by what the request really had in its header section (or removed).
 */
public class RealRequestHeaders {

    /** The headers stk-bridge decides on: credentials, the console's marker, and the proxy chain. */
    static final List<String> DECIDING = List.of("Authorization", "X-Api-Key", "X-Requested-With", "X-Forwarded-For");

    public void keepOnlyReal(Exchange exchange) {
        Message message = exchange.getIn();
        HttpServerRequest request = message instanceof HttpMessage http ? http.getRequest() : null;
        for (String name : DECIDING) {
            message.removeHeader(name);
            List<String> values = request == null ? List.of() : request.headers().getAll(name);
            if (!values.isEmpty()) {
                // several X-Forwarded-For headers are one list, in order (RFC 9110, 5.3)
                message.setHeader(name, String.join(", ", values));
            }
        }
    }
}
