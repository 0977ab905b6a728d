package io.stkbridge.daraja;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Every Daraja call ends within its three timeouts together (a pooled connection, connect, read), its answer's body
 * included: past that, the call is cancelled and its connection closed. HttpClient's read timeout bounds each read, not
 * the exchange, so an answer trickled a byte at a time would keep a push open for as long as its sender liked. The
 * ledger counts on this bound (the answer deadline, {@code InterruptedPushes}): it is how long a push owns the attempt
 * whose send boundary it crossed, and only past it may the sweeper decide that attempt from a stored callback. A
 * cancelled push failed after its request may have gone out, so it is never sent again.
 */
public final class DarajaExchangeDeadline implements HttpClientConfigurer, AutoCloseable {

    private final long deadlineMillis;
    private final ScheduledThreadPoolExecutor timer;

    public DarajaExchangeDeadline(Duration deadline) {
        this.deadlineMillis = deadline.toMillis();
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "daraja-exchange-deadline");
            thread.setDaemon(true);
            return thread;
        });
        // one timer per call, almost all cancelled long before they are due: cancelled ones leave the queue at once
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.addExecInterceptorFirst("stk-exchange-deadline", this::withinDeadline);
    }

    /** Once the routes have stopped: no call is under way. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    private ClassicHttpResponse withinDeadline(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        // the request Camel executes (HttpUriRequestBase): cancelling it aborts the pool wait, the connect or the
        // exchange under way, whichever comes, and closes the connection
        if (!(scope.originalRequest instanceof Cancellable call)) {
            return chain.proceed(request, scope);
        }
        ScheduledFuture<?> cut = timer.schedule(call::cancel, deadlineMillis, TimeUnit.MILLISECONDS);
        ClassicHttpResponse response;
        try {
            response = chain.proceed(request, scope);
        } catch (IOException | HttpException | RuntimeException failure) {
            cut.cancel(false);
            throw failure;
        }
        HttpEntity body = response.getEntity();
        if (body == null) {
            cut.cancel(false);
        } else {
            // the body is read after the chain returns: the deadline holds until it is closed
            response.setEntity(new HttpEntityWrapper(body) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        cut.cancel(false);
                    }
                }
            });
        }
        return response;
    }
}
