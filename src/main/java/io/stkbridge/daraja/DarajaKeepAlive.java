package io.stkbridge.daraja;

import org.apache.hc.client5.http.ConnectionKeepAliveStrategy;
import org.apache.hc.client5.http.impl.DefaultConnectionKeepAliveStrategy;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

import java.time.Duration;

/**
 * How long a Daraja connection may wait idle in the pool for its next call: DARAJA_KEEP_ALIVE_MS, or less if the server's
 * {@code Keep-Alive: timeout} says less. A connection idle for longer is closed instead of used. HttpClient would keep it
 * for 3 minutes, past most servers' idle timeouts: a push sent on a connection that the server closes at that moment
 * is never read, gets no answer and becomes UNKNOWN, with no prompt and no callback to decide it.
 */
public final class DarajaKeepAlive implements ConnectionKeepAliveStrategy {

    private final TimeValue longest;

    public DarajaKeepAlive(Duration longest) {
        this.longest = TimeValue.ofMilliseconds(longest.toMillis());
    }

    @Override
    public TimeValue getKeepAliveDuration(HttpResponse response, HttpContext context) {
        TimeValue serverSays = DefaultConnectionKeepAliveStrategy.INSTANCE.getKeepAliveDuration(response, context);
        return TimeValue.isNonNegative(serverSays) && serverSays.compareTo(longest) < 0 ? serverSays : longest;
    }
}
