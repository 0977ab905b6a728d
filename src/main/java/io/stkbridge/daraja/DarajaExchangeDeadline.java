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

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every Daraja call ends within STK_INTERRUPTED_PUSH_WAIT_MS (5 min), its answer's body included: past that, the call is
 * cancelled and its connection closed. HttpClient's read timeout bounds each read, not the exchange, so an answer
 * trickled a byte at a time would hold a push, its working slot and its attempt for as long as its sender liked. The
 * bound is the push's lease on the attempt whose send boundary it crossed: the sweeper makes an attempt whose push has no
 * recorded answer UNKNOWN {@code PUSH_INTERRUPTED} at the same moment. It is not the answer deadline (the three timeouts
 * together), past which the sweeper may decide the attempt from a stored callback: a push still reading its answer then
 * has that answer kept beside the outcome, and cutting it there would only make it UNKNOWN. A process frozen past the
 * deadline (a long GC pause, a stalled VM) wakes with the cut overdue and the answer perhaps waiting in its socket: the
 * cut then waits {@link #WAKE_GRACE} more, so that an answer already there is read (its CheckoutRequestID lets a Query
 * or the callback settle the payment) rather than thrown away. A cancelled push failed
 * after its request may have gone out, so it is never sent again. The failure a cut causes is a
 * {@link DarajaCallCutException}, so that the outcome and the logs say the call was cut, not that a socket was closed.
 */
public final class DarajaExchangeDeadline implements HttpClientConfigurer, AutoCloseable {

    /** A cut this late is taken for a process that was frozen: the call gets this long to read what came meanwhile. */
    static final Duration WAKE_GRACE = Duration.ofSeconds(2);

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
        Cut cut = new Cut(call);
        ClassicHttpResponse response;
        try {
            response = chain.proceed(request, scope);
        } catch (IOException failure) {
            cut.cancel();
            throw explained(failure, cut);
        } catch (HttpException | RuntimeException failure) {
            cut.cancel();
            throw failure;
        }
        HttpEntity body = response.getEntity();
        if (body == null) {
            cut.cancel();
        } else {
            // the body is read after the chain returns: the deadline holds until it is closed
            response.setEntity(new HttpEntityWrapper(body) {
                @Override
                public InputStream getContent() throws IOException {
                    return new FilterInputStream(super.getContent()) {
                        @Override
                        public int read() throws IOException {
                            try {
                                return super.read();
                            } catch (IOException failure) {
                                throw explained(failure, cut);
                            }
                        }

                        @Override
                        public int read(byte[] buffer, int offset, int length) throws IOException {
                            try {
                                return super.read(buffer, offset, length);
                            } catch (IOException failure) {
                                throw explained(failure, cut);
                            }
                        }
                    };
                }

                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        cut.cancel();
                    }
                }
            });
        }
        return response;
    }

    private IOException explained(IOException failure, Cut cut) {
        return cut.made() ? new DarajaCallCutException(deadlineMillis, failure) : failure;
    }

    /** The cut of one call at the deadline, or {@link #WAKE_GRACE} after it when it comes late (the process was frozen). */
    private final class Cut {

        private final Cancellable call;
        private final long dueNanos;
        private final AtomicBoolean made = new AtomicBoolean();
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> scheduled;

        Cut(Cancellable call) {
            this.call = call;
            this.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
            this.scheduled = timer.schedule(this::atDeadline, deadlineMillis, TimeUnit.MILLISECONDS);
        }

        private void atDeadline() {
            if (System.nanoTime() - dueNanos > WAKE_GRACE.toNanos()) {
                scheduled = timer.schedule(this::make, WAKE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                if (cancelled) {
                    scheduled.cancel(false);
                }
                return;
            }
            make();
        }

        private void make() {
            if (!cancelled) {
                made.set(true);
                call.cancel();
            }
        }

        boolean made() {
            return made.get();
        }

        /** The call ended (answered, failed, or its body closed) before its cut. */
        void cancel() {
            cancelled = true;
            scheduled.cancel(false);
        }
    }
}
