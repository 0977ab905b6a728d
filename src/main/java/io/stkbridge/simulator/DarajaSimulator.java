package io.stkbridge.simulator;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A local stand-in for Safaricom's Daraja M-Pesa Express (STK Push) API: same paths, same payload
 * shapes (string {@code expires_in}, numeric callback ResultCode but string Query ResultCode,
 * {@code Balance} without a value, ...), same error envelopes.
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code GET /oauth/v1/generate?grant_type=client_credentials} (Basic consumer key:secret)</li>
 *   <li>{@code POST /mpesa/stkpush/v1/processrequest} (Bearer token)</li>
 *   <li>{@code POST /mpesa/stkpushquery/v1/query} (Bearer token)</li>
 * </ul>
 *
 * <h2>The Amount decides what happens to a valid push</h2>
 * <table>
 *   <caption>Amount contract</caption>
 *   <tr><th>Amount</th><th>HTTP answer to the push</th><th>Callback / Query outcome</th></tr>
 *   <tr><td>1111</td><td>200 accepted</td><td>ResultCode 1 "The balance is insufficient for the transaction."</td></tr>
 *   <tr><td>17, 26, 1001, 1019, 1025, 1031, 1032, 1037, 2001, 2028, 8006, 9999</td><td>200 accepted</td>
 *       <td>ResultCode equal to the Amount, e.g. 1019 "Transaction has expired", 1032 "Request cancelled by user",
 *       1037 "DS timeout user cannot be reached", 2001 "The initiator information is invalid."</td></tr>
 *   <tr><td>4002</td><td>400 {@code 400.002.02} "Bad Request - Invalid PhoneNumber"</td><td>refused: not registered</td></tr>
 *   <tr><td>5001</td><td>500 {@code 500.001.1001} "Unable to lock subscriber, a transaction is already in process
 *       for the current subscriber"</td><td>refused</td></tr>
 *   <tr><td>5002</td><td>500 {@code 500.003.02} "Spike Arrest Violation"</td><td>refused</td></tr>
 *   <tr><td>4290</td><td>429 {@code {"errorCode":"429","errorMessage":"Too many requests"}}</td><td>refused</td></tr>
 *   <tr><td>5031</td><td>503 with an HTML page (text/html), as gateways answer</td><td>refused</td></tr>
 *   <tr><td>5100</td><td>500 {@code 500.003.1001} "Internal Server Error"</td>
 *       <td>registered anyway, customer prompted: ResultCode 0 (the "unknown outcome" case)</td></tr>
 *   <tr><td>5003</td><td>500 {@code 500.001.1001} "System error occurred, please try again" (a message that names
 *       neither a locked subscriber nor the merchant)</td><td>registered anyway: ResultCode 0</td></tr>
 *   <tr><td>5200</td><td>none: the connection is closed after the request was read</td>
 *       <td>registered anyway: ResultCode 0</td></tr>
 *   <tr><td>2000</td><td>200 ResponseCode "0" without a CheckoutRequestID</td><td>registered: ResultCode 0</td></tr>
 *   <tr><td>6000</td><td>200 accepted, but only after {@code slowAnswerDelay} (default 10 s)</td>
 *       <td>ResultCode 0, callback on time: models a client read timeout after registration</td></tr>
 *   <tr><td>6100</td><td>200 accepted, its body written one byte every 250 ms (about 50 s in all; no single read
 *       waits long)</td><td>ResultCode 0, callback on time: models an answer that outlives the client's read timeout
 *       without ever tripping it</td></tr>
 *   <tr><td>7000</td><td>200 accepted</td><td>ResultCode 0 but the callback is never sent: only Query tells</td></tr>
 *   <tr><td>any other</td><td>200 accepted</td><td>ResultCode 0 "The service request is processed successfully."</td></tr>
 * </table>
 * Refused pushes are counted by {@link #refusedPushCount()}, not listed by {@link #pushes()}.
 * A PartyB that does not fit the TransactionType (PayBill: the shortcode; Buy Goods: the till registered
 * with {@link Builder#till}) is accepted but ends with ResultCode 2028 "The request is not permitted
 * according to product assignment".
 *
 * <h2>Timing</h2>
 * Each registered push has an outcome time: push time + callback delay. Before it, Query answers
 * "pending" (HTTP 500 {@code 500.001.1001} "The transaction is being processed", or HTTP 200 ResultCode
 * "4999" with {@link #queryPendingAs4999}); from then on it answers the final result, and the callback is
 * POSTed once (twice with {@link #duplicateCallbacks}), never retried. Callback toggles are read at push time.
 */
public final class DarajaSimulator implements AutoCloseable {

    public static final String SANDBOX_SHORTCODE = "174379";
    public static final String SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

    private static final Logger LOG = Logger.getLogger(DarajaSimulator.class.getPackageName());
    private static final int CALLBACK_THREADS = 4;
    /** Daraja posts callbacks from many machines; one JDK HttpClient would funnel them through one selector thread. */
    private static final int CALLBACK_CLIENTS = 4;
    private static final int BACKLOG = 256;

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle plus the client's
        // delayed ACK add ~40 ms to every answer. Read once, when the first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // The JDK server closes keep-alive connections beyond 200 idle ones at once; a client that keeps more (a
        // bridge with hundreds of pushes in flight) would then send pushes on connections already closed.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "1024");
        }
    }

    private final Settings settings;
    private final InetSocketAddress address;
    private final Clock clock = Clock.systemUTC();
    private final Ledger ledger = new Ledger();
    private final TokenStore tokens;
    private final int httpThreadCount;
    private final SSLContext tls;
    private final Duration keepAlive;

    private HttpServer server;
    private ExecutorService httpThreads;
    private ScheduledExecutorService callbackScheduler;
    private ExecutorService callbackClientThreads;

    private DarajaSimulator(Builder builder) {
        this.settings = new Settings(builder.merchantsWithTills(), builder.secretsByConsumerKey,
                builder.tokenLifetime, builder.slowAnswerDelay, builder.callbackDelay, builder.queryPendingAs4999);
        this.address = new InetSocketAddress(builder.bindAddress, builder.port);
        this.tokens = new TokenStore(builder.tokenLifetime, clock);
        this.httpThreadCount = builder.httpThreads;
        this.tls = builder.tls;
        this.keepAlive = builder.keepAlive;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts serving; returns this so {@code builder()...build().start()} reads naturally. */
    public synchronized DarajaSimulator start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        httpThreads = Executors.newFixedThreadPool(httpThreadCount, daemonThreads("daraja-sim-http"));
        callbackScheduler = Executors.newScheduledThreadPool(CALLBACK_THREADS, daemonThreads("daraja-sim-callback"));
        callbackClientThreads = Executors.newCachedThreadPool(daemonThreads("daraja-sim-callback-io"));
        try {
            if (tls == null) {
                server = HttpServer.create(address, BACKLOG);
            } else {
                HttpsServer https = HttpsServer.create(address, BACKLOG);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot bind the Daraja simulator to " + address, e);
        }
        server.setExecutor(httpThreads);
        server.createContext("/", router());
        startOnDaemonThread(server);
        if (settings.acceptsAnyConsumer()) {
            LOG.info("no consumer key registered: any Basic key:secret gets a token");
        }
        LOG.info(() -> "Daraja simulator listening on " + address.getHostString() + ":" + port());
        return this;
    }

    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    /** For example {@code http://127.0.0.1:8089} ({@code https} with {@link Builder#tls}); loopback when bound to the wildcard address. */
    public String baseUrl() {
        InetAddress bound = address.getAddress();
        String host = bound == null || bound.isAnyLocalAddress() ? "127.0.0.1" : bound.getHostAddress();
        return (tls == null ? "http://" : "https://") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    // --- what happened

    /** Accepted (registered) pushes, oldest first. */
    public List<ReceivedPush> pushes() {
        return ledger.pushes();
    }

    public int pushCount() {
        return pushes().size();
    }

    /** The ResultCode the simulator decided for an accepted push (sent in its callback, or given to a Query). */
    public OptionalInt resultCodeOf(String checkoutRequestId) {
        return ledger.find(checkoutRequestId).map(entry -> OptionalInt.of(entry.result().code()))
                .orElse(OptionalInt.empty());
    }

    /**
     * The most push requests that were being answered at the same time (since start or {@link #reset()}): how many
     * pushes a client had in flight at once.
     */
    public int maxConcurrentPushes() {
        return ledger.maxConcurrentPushes();
    }

    /**
     * Push requests being answered now: received, and their answer not yet written (it waits out {@link #pushLatency}).
     * A client that dies now has these on the wire: each may have prompted the customer without the client knowing.
     */
    public int pushesBeingAnswered() {
        return ledger.pushesBeingAnswered();
    }

    /** Every request to the push endpoint, answered or not, refused or not: what reached Daraja. */
    public int pushRequestCount() {
        return ledger.pushRequestCount();
    }

    /**
     * Trickled push answers (Amount 6100) whose client closed the connection before the last byte: for each, how long
     * the answer had been trickling when the simulator saw it cut.
     */
    public List<Duration> trickledAnswersCut() {
        return ledger.trickleCuts();
    }

    /**
     * Requests that came on a connection idle for longer than {@link Builder#keepAlive}: each had its connection closed
     * unread, as a server closes an idle connection just as the client sends on it. A push among them never reached
     * Daraja, and its client has no answer.
     */
    public int requestsOnExpiredConnections() {
        return ledger.requestsOnExpiredConnections();
    }

    /** Pushes that passed validation but were refused by their Amount (4002, 5001, 5002, 4290, 5031). */
    public int refusedPushCount() {
        return ledger.refusedPushCount();
    }

    /** Queries that carried a valid token and a JSON body, oldest first. */
    public List<ReceivedQuery> queries() {
        return ledger.queries();
    }

    public int queryCount() {
        return queries().size();
    }

    /** Every call to the OAuth endpoint, good or bad. */
    public int tokenRequestCount() {
        return ledger.tokenRequestCount();
    }

    /** Every access token issued since start, expired ones included (reset keeps them). */
    public java.util.Set<String> accessTokensIssued() {
        return tokens.everIssued();
    }

    /** Tokens issued to one consumer key (Daraja app). */
    public int tokensIssuedTo(String consumerKey) {
        return ledger.tokensIssuedTo(consumerKey);
    }

    /** The names (lower case) of the HTTP headers requests to this path carried, all of them together. */
    public java.util.Set<String> requestHeaderNames(String path) {
        return ledger.headerNames(path);
    }

    /** Callback POSTs made, in completion order. */
    public List<SentCallback> callbacksSent() {
        return ledger.callbacks();
    }

    // --- controls

    /** Every token issued so far stops working at once; new tokens can be fetched. */
    public void expireAllTokens() {
        tokens.expireAll();
    }

    /** Time between a push and its outcome (callback and final Query answer), for later pushes. */
    public void callbackDelay(Duration delay) {
        settings.callbackDelay(requireNotNegative(delay, "callbackDelay"));
    }

    /** Later pushes get an outcome but their callback is never POSTed. */
    public void dropCallbacks(boolean drop) {
        settings.dropCallbacks(drop);
    }

    /** Later pushes get their callback POSTed twice. */
    public void duplicateCallbacks(boolean duplicate) {
        settings.duplicateCallbacks(duplicate);
    }

    /**
     * Every push answer (any status) is held back this long after its request came; the push is registered before the
     * wait. A change applies to the answers being held too: set longer, they wait longer; set shorter, those past it
     * are answered at once (so a test can hold answers until it releases them).
     */
    public void pushLatency(Duration latency) {
        settings.pushLatency(requireNotNegative(latency, "pushLatency"));
    }

    /**
     * While true, a later push that gets a callback is answered only once its callback POST has been answered (or has
     * failed), at most 10 s: the callback reaches the client before the push answer does, whatever the machine's load.
     */
    public void answerPushesAfterTheirCallback(boolean after) {
        settings.answerPushesAfterTheirCallback(after);
    }

    /** While true, the OAuth endpoint answers every request HTTP 503 with an HTML page, as a gateway in trouble does. */
    public void oauthUnavailable(boolean unavailable) {
        settings.oauthUnavailable(unavailable);
    }

    /**
     * While true, pushes and queries with an invalid or expired token are refused HTTP 400 {@code 400.003.01}
     * "Invalid Access Token" instead of HTTP 404 {@code 404.001.03}.
     */
    public void invalidTokenAs400(boolean as400) {
        settings.invalidTokenAs400(as400);
    }

    /** Pending Query answers become HTTP 200 ResultCode "4999" instead of HTTP 500 "being processed". */
    public void queryPendingAs4999(boolean as4999) {
        settings.queryPendingAs4999(as4999);
    }

    /**
     * Forgets every push, query, callback and count, cancels callbacks not yet sent, and restores the
     * toggles to the built values. Issued tokens stay valid.
     */
    public void reset() {
        ledger.clear();
        settings.resetToggles();
    }

    /** Stops serving and sending at once; idempotent. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        for (ExecutorService executor : new ExecutorService[] {httpThreads, callbackScheduler, callbackClientThreads}) {
            if (executor != null) {
                executor.shutdownNow();
            }
        }
    }

    private Router router() {
        RequestChecks checks = new RequestChecks(settings, clock);
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < CALLBACK_CLIENTS; i++) {
            clients.add(HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .executor(callbackClientThreads)
                    .build());
        }
        CallbackSender callbacks = new CallbackSender(callbackScheduler, clients, ledger, clock);
        return new Router(ledger, keepAlive)
                .route("GET", "/oauth/v1/generate", new OAuthEndpoint(settings, tokens, ledger))
                .route("POST", "/mpesa/stkpush/v1/processrequest",
                        new StkPushEndpoint(settings, tokens, checks, ledger, callbacks, clock))
                .route("POST", "/mpesa/stkpushquery/v1/query",
                        new StkQueryEndpoint(settings, tokens, checks, ledger, clock));
    }

    /** HttpServer's dispatcher thread inherits daemon status from the thread that starts it. */
    private static void startOnDaemonThread(HttpServer server) {
        Thread starter = daemonThreads("daraja-sim-start").newThread(server::start);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting", e);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static Duration requireNotNegative(Duration duration, String name) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be zero or positive");
        }
        return duration;
    }

    // --- standalone

    /**
     * Runs until the JVM is stopped. Settings come from environment variables, each of which may also be
     * given as a {@code NAME=value} argument (arguments win): SIM_PORT (8089), SIM_BIND (0.0.0.0),
     * SIM_CONSUMER_KEY and SIM_CONSUMER_SECRET (unset: any credentials), SIM_SHORTCODE (174379),
     * SIM_PASSKEY (the sandbox passkey), SIM_TILL (none), SIM_CALLBACK_DELAY_MS (1000).
     */
    public static void main(String[] args) throws InterruptedException {
        logRequestsToConsole();
        DarajaSimulator simulator = fromEnvironment(environment(System.getenv(), args)).start();
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "daraja-sim-shutdown"));
        new CountDownLatch(1).await();
    }

    static DarajaSimulator fromEnvironment(Map<String, String> env) {
        String shortcode = env.getOrDefault("SIM_SHORTCODE", SANDBOX_SHORTCODE);
        Builder builder = builder()
                .bindAddress(env.getOrDefault("SIM_BIND", "0.0.0.0"))
                .port(Integer.parseInt(env.getOrDefault("SIM_PORT", "8089")))
                .merchant(shortcode, env.getOrDefault("SIM_PASSKEY", SANDBOX_PASSKEY))
                .callbackDelay(Duration.ofMillis(Long.parseLong(env.getOrDefault("SIM_CALLBACK_DELAY_MS", "1000"))));
        String key = env.get("SIM_CONSUMER_KEY");
        String secret = env.get("SIM_CONSUMER_SECRET");
        if (key != null || secret != null) {
            if (key == null || secret == null) {
                throw new IllegalArgumentException("set both SIM_CONSUMER_KEY and SIM_CONSUMER_SECRET, or neither");
            }
            builder.consumerCredentials(key, secret);
        }
        String till = env.get("SIM_TILL");
        if (till != null && !till.isBlank()) {
            builder.till(shortcode, till);
        }
        return builder.build();
    }

    private static Map<String, String> environment(Map<String, String> env, String[] args) {
        Map<String, String> settings = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("SIM_") && !value.isBlank()) {
                settings.put(name, value.trim());
            }
        });
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("expected NAME=value, got: " + arg);
            }
            settings.put(arg.substring(0, equals), arg.substring(equals + 1).trim());
        }
        return settings;
    }

    private static void logRequestsToConsole() {
        Logger packageLogger = Logger.getLogger(DarajaSimulator.class.getPackageName());
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.FINE);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                return String.format("%1$tFT%1$tT.%1$tL %2$s %3$s%n", record.getMillis(), record.getLevel(),
                        formatMessage(record));
            }
        });
        packageLogger.setLevel(Level.FINE);
        packageLogger.setUseParentHandlers(false);
        packageLogger.addHandler(handler);
    }

    /** Defaults: port 8089 on 127.0.0.1, the sandbox merchant when none is given, any consumer when none is given, 1 s callbacks. */
    public static final class Builder {

        private String bindAddress = "127.0.0.1";
        private int port = 8089;
        private final Map<String, String> secretsByConsumerKey = new HashMap<>();
        private final Map<String, String> passkeysByShortcode = new LinkedHashMap<>();
        private final Map<String, String> tillsByShortcode = new HashMap<>();
        private Duration callbackDelay = Duration.ofSeconds(1);
        private Duration tokenLifetime = Duration.ofSeconds(3599);
        private Duration slowAnswerDelay = Duration.ofSeconds(10);
        private boolean queryPendingAs4999;
        private int httpThreads = 256;
        private SSLContext tls;
        private Duration keepAlive;

        private Builder() {
        }

        /** 0 picks a free port; read it back with {@link DarajaSimulator#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Defaults to 127.0.0.1; use 0.0.0.0 in a container. */
        public Builder bindAddress(String host) {
            this.bindAddress = host;
            return this;
        }

        /** Registers one consumer key/secret pair; may be called several times. */
        public Builder consumerCredentials(String key, String secret) {
            secretsByConsumerKey.put(requireText(key, "consumer key"), requireText(secret, "consumer secret"));
            return this;
        }

        /** Registers a BusinessShortCode and its passkey; may be called several times. */
        public Builder merchant(String shortcode, String passkey) {
            passkeysByShortcode.put(requireText(shortcode, "shortcode"), requireText(passkey, "passkey"));
            return this;
        }

        /** The till number Buy Goods pushes to {@code shortcode} must name as PartyB. */
        public Builder till(String shortcode, String tillNumber) {
            tillsByShortcode.put(requireText(shortcode, "shortcode"), requireText(tillNumber, "till number"));
            return this;
        }

        public Builder callbackDelay(Duration delay) {
            this.callbackDelay = requireNotNegative(delay, "callbackDelay");
            return this;
        }

        /** Token validity; {@code expires_in} announces it in whole seconds. Default 3599 s as on the wire. */
        public Builder tokenLifetime(Duration lifetime) {
            if (lifetime == null || lifetime.toSeconds() < 1) {
                throw new IllegalArgumentException("tokenLifetime must be at least one second");
            }
            this.tokenLifetime = lifetime;
            return this;
        }

        /** How long the Amount 6000 push waits before answering. */
        public Builder slowAnswerDelay(Duration delay) {
            this.slowAnswerDelay = requireNotNegative(delay, "slowAnswerDelay");
            return this;
        }

        /** Requests answered at once (default 256); more wait for a thread, as behind a saturated gateway. */
        public Builder httpThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("httpThreads must be at least 1");
            }
            this.httpThreads = threads;
            return this;
        }

        /** Serves https with this context's certificate, as Daraja does, instead of plain http. */
        public Builder tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /**
         * How long a connection may stay idle between requests: a request that comes on a connection idle for longer has
         * its connection closed without being read (counted in {@link #requestsOnExpiredConnections()}), as when a
         * server's idle timer closes a connection at the moment the client sends on it. Unset, connections are kept.
         */
        public Builder keepAlive(Duration idle) {
            this.keepAlive = requireNotNegative(idle, "keepAlive");
            return this;
        }

        public Builder queryPendingAs4999(boolean as4999) {
            this.queryPendingAs4999 = as4999;
            return this;
        }

        public DarajaSimulator build() {
            return new DarajaSimulator(this);
        }

        private Map<String, Merchant> merchantsWithTills() {
            Map<String, String> passkeys = passkeysByShortcode.isEmpty()
                    ? Map.of(SANDBOX_SHORTCODE, SANDBOX_PASSKEY) : passkeysByShortcode;
            for (String shortcode : tillsByShortcode.keySet()) {
                if (!passkeys.containsKey(shortcode)) {
                    throw new IllegalStateException("till registered for unknown merchant " + shortcode);
                }
            }
            Map<String, Merchant> merchants = new HashMap<>();
            passkeys.forEach((shortcode, passkey) ->
                    merchants.put(shortcode, new Merchant(shortcode, passkey, tillsByShortcode.get(shortcode))));
            return merchants;
        }

        private static String requireText(String value, String name) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
