package io.stkbridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.daraja.CallbackReceiver;
import io.stkbridge.daraja.CallbackSources;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.daraja.DarajaExchangeDeadline;
import io.stkbridge.daraja.DarajaKeepAlive;
import io.stkbridge.daraja.CamelTokenFetcher;
import io.stkbridge.daraja.DarajaTokenCache;
import io.stkbridge.daraja.DarajaTokenHealth;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.daraja.PushFailures;
import io.stkbridge.daraja.PushPolicy;
import io.stkbridge.daraja.PushesInFlight;
import io.stkbridge.daraja.DarajaCalls;
import io.stkbridge.daraja.DarajaOutage;
import io.stkbridge.daraja.TpsLimiter;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.http.AddressRanges;
import io.stkbridge.http.ApiListener;
import io.stkbridge.http.ClientAddresses;
import io.stkbridge.http.ListenerLimits;
import io.stkbridge.http.RealRequestHeaders;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.api.ApiAccess;
import io.stkbridge.api.SignInThrottle;
import io.stkbridge.api.ConsoleAssets;
import io.stkbridge.api.SupportApi;
import io.stkbridge.kafka.IntakeBatches;
import io.stkbridge.kafka.IntakeCommits;
import io.stkbridge.kafka.IntakeConsumer;
import io.stkbridge.kafka.KafkaConnection;
import io.stkbridge.kafka.KafkaOffsets;
import io.stkbridge.kafka.OutcomeRecords;
import io.stkbridge.kafka.KafkaTopics;
import io.stkbridge.ledger.AttemptHistory;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.AttemptSearch;
import io.stkbridge.ledger.AttemptTraces;
import io.stkbridge.ledger.PhoneAccess;
import io.stkbridge.ledger.LedgerSummary;
import io.stkbridge.ledger.AttemptLookup;
import io.stkbridge.ledger.LedgerGauges;
import io.stkbridge.ledger.LedgerHealth;
import io.stkbridge.ledger.DeferredPushes;
import io.stkbridge.ledger.Outbox;
import io.stkbridge.ledger.InterruptedPushes;
import io.stkbridge.ledger.QuerySchedule;
import io.stkbridge.ledger.H2Compaction;
import io.stkbridge.ledger.H2GroupCommit;
import io.stkbridge.ledger.LedgerConsistency;
import io.stkbridge.ledger.Retention;
import io.stkbridge.ledger.StaleAttempts;
import io.stkbridge.ledger.Transactions;
import io.stkbridge.metrics.DarajaLatency;
import io.stkbridge.metrics.MeteredKafkaClientFactory;
import io.stkbridge.outcome.OutcomeEvents;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.apache.camel.spi.Registry;
import io.vertx.core.Vertx;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.Service;
import org.apache.camel.support.service.ServiceSupport;
import org.flywaydb.core.Flyway;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/** Reads the configuration, checks it, migrates the ledger, creates the topics and binds the beans the routes call. */
public class StkBridgeConfiguration implements CamelConfiguration {

    /** docker/compose.yaml's throw-away callback secret: public, so never acceptable in production. */
    static final String COMPOSE_CALLBACK_SECRET = "compose-local-callback-secret";
    /**
     * How far past the next sweep the sweeper's query queue lasts: longer than a sweep's claim takes, so the queue never
     * runs dry between sweeps (a sweep that claimed only until the next one lost its claim time from the rate each time).
     */
    static final Duration SWEEP_HEADROOM = Duration.ofSeconds(1);

    private final Map<String, String> environment;
    private final Clock clock;

    public StkBridgeConfiguration() {
        this(System.getenv(), Clock.systemUTC());
    }

    public StkBridgeConfiguration(Map<String, String> environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Settings settings = new Settings(context.getPropertiesComponent(), environment);
        int pushTps = settings.integer("daraja.push-tps-per-shortcode", "DARAJA_PUSH_TPS_PER_SHORTCODE");
        if (pushTps < 1) {
            settings.problem("DARAJA_PUSH_TPS_PER_SHORTCODE must be at least 1");
        }
        List<Merchant> configuredMerchants = new MerchantSettings(settings, Math.max(pushTps, 1)).read();
        List<String> production = configuredMerchants.stream().filter(m -> Merchant.PRODUCTION.equals(m.environment()))
                .map(Merchant::name).toList();
        String callbackBaseUrl = callbackBaseUrl(settings, production);
        darajaBaseUrl(settings, production);
        String callbackSecret = settings.secret("STK_CALLBACK_SECRET", true);
        if (!callbackSecret.isEmpty() && callbackSecret.length() < 16) {
            settings.problem("STK_CALLBACK_SECRET must be at least 16 characters");
        }
        String previousCallbackSecret = settings.secret("STK_CALLBACK_SECRET_PREVIOUS", false);
        if (!previousCallbackSecret.isEmpty() && previousCallbackSecret.length() < 16) {
            settings.problem("STK_CALLBACK_SECRET_PREVIOUS must be at least 16 characters");
        }
        if (!production.isEmpty() && callbackSecret.equals(COMPOSE_CALLBACK_SECRET)) {
            settings.problem("STK_CALLBACK_SECRET is the public default of docker/compose.yaml, which production refuses"
                    + " (merchant(s) " + String.join(", ", production) + " use production)");
        }
        if (settings.optional("stk.default-description").length() > 13) {
            settings.problem("STK_DEFAULT_DESCRIPTION must be at most 13 characters (Daraja's TransactionDesc limit)");
        }
        if (environment.containsKey("STK_DEFAULT_ACCOUNT_REFERENCE")) {
            settings.problem("STK_DEFAULT_ACCOUNT_REFERENCE is no longer used: AccountReference comes from the order id "
                    + "(STK_ACCOUNT_REFERENCE_RULE: last12 or first12); unset it");
        }
        String dbUrl = settings.text("stk.db.url", "STK_DB_URL");
        String dbUser = settings.optional("stk.db.user");
        String dbPassword = settings.secret("STK_DB_PASSWORD", false);
        int poolSize = settings.integer("stk.db.pool-size", "STK_DB_POOL_SIZE");
        int callbackPoolSize = settings.integer("stk.db.callback-pool-size", "STK_DB_CALLBACK_POOL_SIZE");
        // a frozen or stalled instance (GC pause, SIGSTOP, a stalled VM) must not hold row locks that stop every other
        // instance: PostgreSQL ends its transaction, so the others go on, and its own next statement fails
        int idleInTransactionMs = settings.integer("stk.db.idle-in-transaction-timeout-ms",
                "STK_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS");
        if (idleInTransactionMs < 1000) {
            settings.problem("STK_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS must be at least 1000");
        }
        if (poolSize < 1 || callbackPoolSize < 1) {
            settings.problem("STK_DB_POOL_SIZE and STK_DB_CALLBACK_POOL_SIZE must be at least 1");
        }
        int outboxBatch = settings.integer("stk.outbox.batch-size", "STK_OUTBOX_BATCH_SIZE");
        Duration outboxLease = millis(settings, "stk.outbox.lease-ms", "STK_OUTBOX_LEASE_MS");
        String instanceId = instanceId(settings);
        int retentionDays = settings.integer("stk.retention.days", "STK_RETENTION_DAYS");
        int retentionBatch = settings.integer("stk.retention.batch-size", "STK_RETENTION_BATCH_SIZE");
        if (settings.integer("stk.h2.compact-interval-ms", "STK_H2_COMPACT_INTERVAL_MS") < 100) {
            settings.problem("STK_H2_COMPACT_INTERVAL_MS must be at least 100");
        }
        if (settings.integer("stk.retention.interval-ms", "STK_RETENTION_INTERVAL_MS") < 1000) {
            settings.problem("STK_RETENTION_INTERVAL_MS must be at least 1000");
        }
        if (outboxLease.toMillis() < 1000) {
            settings.problem("STK_OUTBOX_LEASE_MS must be at least 1000");
        }
        if (retentionDays < 0 || (retentionDays > 0 && retentionDays < 7)) {
            // a deleted attempt no longer stops a redelivered intent from being pushed: outlive the intents' retention
            settings.problem("STK_RETENTION_DAYS must be 0 (keep everything) or at least 7, and longer than the intents topic's retention");
        }
        if (retentionBatch < 1) {
            settings.problem("STK_RETENTION_BATCH_SIZE must be at least 1");
        }
        int refreshMargin = settings.integer("daraja.token-refresh-margin-seconds", "DARAJA_TOKEN_REFRESH_MARGIN_SECONDS");
        QuerySchedule querySchedule = new QuerySchedule(
                millis(settings, "stk.query.first-delay-ms", "STK_QUERY_FIRST_DELAY_MS"),
                millis(settings, "stk.query.retry-base-ms", "STK_QUERY_RETRY_BASE_MS"),
                millis(settings, "stk.query.retry-max-ms", "STK_QUERY_RETRY_MAX_MS"),
                millis(settings, "stk.query.give-up-after-ms", "STK_QUERY_GIVE_UP_AFTER_MS"),
                millis(settings, "stk.query.lease-ms", "STK_QUERY_LEASE_MS"),
                settings.integer("stk.query.min-tries-before-unresolved", "STK_QUERY_MIN_TRIES_BEFORE_UNRESOLVED"));
        if (querySchedule.minTries() < 1) {
            settings.problem("STK_QUERY_MIN_TRIES_BEFORE_UNRESOLVED must be at least 1");
        }
        int queryBatch = settings.integer("stk.query.batch-size", "STK_QUERY_BATCH_SIZE");
        int queryTps = settings.integer("stk.query.tps-per-shortcode", "STK_QUERY_TPS_PER_SHORTCODE");
        if (queryTps < 1) {
            settings.problem("STK_QUERY_TPS_PER_SHORTCODE must be at least 1");
        }
        Duration rateLimitStoreWait = millis(settings, "stk.rate-limit.store-wait-ms", "STK_RATE_LIMIT_STORE_WAIT_MS");
        if (rateLimitStoreWait.toMillis() < 0) {
            settings.problem("STK_RATE_LIMIT_STORE_WAIT_MS must be 0 or more");
        }
        int busyRetries = settings.integer("daraja.push-busy-retries", "DARAJA_PUSH_BUSY_RETRIES");
        int busyRetryDelay = settings.integer("daraja.push-busy-retry-delay-ms", "DARAJA_PUSH_BUSY_RETRY_DELAY_MS");
        int signInFailures = settings.integer("stk.api.signin-max-failures", "STK_API_SIGNIN_MAX_FAILURES");
        int signInWindow = settings.integer("stk.api.signin-window-seconds", "STK_API_SIGNIN_WINDOW_SECONDS");
        int signInHashes = settings.integer("stk.api.signin-concurrency", "STK_API_SIGNIN_CONCURRENCY");
        if (signInFailures < 0 || signInWindow < 1 || signInHashes < 1) {
            settings.problem("STK_API_SIGNIN_MAX_FAILURES must be 0 (no throttling) or more, STK_API_SIGNIN_WINDOW_SECONDS and "
                    + "STK_API_SIGNIN_CONCURRENCY at least 1");
        }
        ClientAddresses clientAddresses = clientAddresses(settings);
        List<String> accessProblems = new java.util.ArrayList<>();
        ApiAccess apiAccess = ApiAccess.configure(settings.secret("STK_API_OPERATOR_KEY", false),
                settings.secret("STK_API_READER_KEY", false), settings.secret("STK_API_USERS", false), clock,
                clientAddresses, new SignInThrottle(signInFailures, Duration.ofSeconds(signInWindow), signInHashes, clock), accessProblems);
        accessProblems.forEach(settings::problem);
        String logFormat = settings.optional("stk.log-format");
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            settings.problem("STK_LOG_FORMAT must be text or json, not '" + logFormat + "'");
        }
        int maxInFlight = settings.integer("stk.max-in-flight", "STK_MAX_IN_FLIGHT");
        int workingThreads = settings.integer("stk.intake.working-threads", "STK_INTAKE_WORKING_THREADS");
        if (workingThreads < 0) {
            settings.problem("STK_INTAKE_WORKING_THREADS must be 0 (four times the processors) or more");
        }
        if (maxInFlight < 1) {
            settings.problem("STK_MAX_IN_FLIGHT must be at least 1");
        }
        int maxFailedReads = settings.integer("stk.intake.max-failed-reads", "STK_INTAKE_MAX_FAILED_READS");
        if (maxFailedReads < 1) {
            settings.problem("STK_INTAKE_MAX_FAILED_READS must be at least 1");
        }
        Duration callbackWindow = Duration.ofHours(settings.integer("stk.callback.window-hours", "STK_CALLBACK_WINDOW_HOURS"));
        if (callbackWindow.toHours() < 1) {
            settings.problem("STK_CALLBACK_WINDOW_HOURS must be at least 1");
        }
        // the longest a push that crossed its send boundary can wait for its answer: a pooled connection, connect, read
        Duration answerDeadline = millis(settings, "camel.component.http.connection-request-timeout",
                "DARAJA_CONNECTION_REQUEST_TIMEOUT_MS")
                .plus(millis(settings, "camel.component.http.connect-timeout", "DARAJA_CONNECT_TIMEOUT_MS"))
                .plus(millis(settings, "camel.component.http.response-timeout", "DARAJA_READ_TIMEOUT_MS"));
        Duration interruptedWait = millis(settings, "stk.push.interrupted-wait-ms", "STK_INTERRUPTED_PUSH_WAIT_MS");
        if (interruptedWait.compareTo(answerDeadline) <= 0) {
            settings.problem("STK_INTERRUPTED_PUSH_WAIT_MS (" + interruptedWait.toMillis() + ") must be longer than "
                    + "DARAJA_CONNECTION_REQUEST_TIMEOUT_MS + DARAJA_CONNECT_TIMEOUT_MS + DARAJA_READ_TIMEOUT_MS ("
                    + answerDeadline.toMillis() + "), the longest a push waits for its answer");
        }
        Duration darajaKeepAlive = millis(settings, "daraja.keep-alive-ms", "DARAJA_KEEP_ALIVE_MS");
        if (darajaKeepAlive.isNegative()) {
            settings.problem("DARAJA_KEEP_ALIVE_MS must be 0 (a new connection for every call) or more");
        }
        int h2CommitGatherMicros = settings.integer("stk.h2.group-commit-gather-micros", "STK_H2_GROUP_COMMIT_GATHER_MICROS");
        if (h2CommitGatherMicros < 0) {
            settings.problem("STK_H2_GROUP_COMMIT_GATHER_MICROS must be 0 (no wait) or more");
        }
        Duration h2CommitGather = Duration.ofNanos(1000L * Math.max(0, h2CommitGatherMicros));
        Duration answerRecordRetry = millis(settings, "stk.push.answer-record-retry-ms", "STK_PUSH_ANSWER_RECORD_RETRY_MS");
        if (answerRecordRetry.isNegative()) {
            settings.problem("STK_PUSH_ANSWER_RECORD_RETRY_MS must be 0 (not recorded again) or more");
        }
        SSLContextParameters darajaTls = darajaTrustStore(settings);
        boolean verifyEverySuccess = settings.flag("stk.callback.verify-success");
        int idleTimeout = settings.integer("stk.http.idle-timeout-seconds", "STK_HTTP_IDLE_TIMEOUT_SECONDS");
        int requestTimeout = settings.integer("stk.http.request-timeout-seconds", "STK_HTTP_REQUEST_TIMEOUT_SECONDS");
        int maxConnections = settings.integer("stk.http.max-connections", "STK_HTTP_MAX_CONNECTIONS");
        if (idleTimeout < 1 || requestTimeout < 1 || maxConnections < 1) {
            settings.problem("STK_HTTP_IDLE_TIMEOUT_SECONDS, STK_HTTP_REQUEST_TIMEOUT_SECONDS and STK_HTTP_MAX_CONNECTIONS "
                    + "must be at least 1");
        }
        int httpPort = settings.integer("camel.server.port", "STK_HTTP_PORT");
        int apiPort = settings.integer("stk.api.port", "STK_API_PORT");
        String apiHost = settings.optional("stk.api.host");
        long maxBodySize = settings.integer("camel.server.max-body-size", "STK_HTTP_MAX_BODY_BYTES");
        ListenerLimits listenerLimits = new ListenerLimits(idleTimeout, requestTimeout, maxConnections,
                settings.flag("stk.http.h2c"));
        CallbackSources callbackSources = callbackSources(settings, clientAddresses);
        KafkaConnection kafka = KafkaConnection.read(settings, environment);
        settings.check();

        if (settings.flag("stk.kafka.create-topics")) {
            KafkaTopics.ensure(kafka,
                    List.of(settings.optional("stk.topic.intents"), settings.optional("stk.topic.outcomes"),
                            settings.optional("stk.topic.dlq"), settings.optional("stk.topic.query-requests")),
                    settings.integer("stk.kafka.topic-partitions", "STK_KAFKA_TOPIC_PARTITIONS"),
                    (short) settings.integer("stk.kafka.topic-replication-factor", "STK_KAFKA_TOPIC_REPLICATION_FACTOR"));
        } else if (kafka.secured()) {
            KafkaTopics.checkCredentials(kafka);
        }
        HikariDataSource dataSource = dataSource(dbUrl, dbUser, dbPassword, poolSize, idleInTransactionMs, "stk-ledger");
        LedgerConsistency.check(dataSource, dbUrl);
        Flyway.configure().dataSource(dataSource).load().migrate();
        HikariDataSource callbackDataSource = dataSource(dbUrl, dbUser, dbPassword, callbackPoolSize, idleInTransactionMs,
                "stk-ledger-callbacks");

        ObjectMapper mapper = new ObjectMapper();
        Merchants merchants = new Merchants(configuredMerchants);
        CallbackTokens callbackTokens = new CallbackTokens(callbackSecret, previousCallbackSecret, callbackBaseUrl);
        StkPassword passwords = new StkPassword(clock);
        StkPushRequests pushRequests = new StkPushRequests(merchants, passwords, callbackTokens);
        // The product's meters go into the registry Camel's metrics service (camel.metrics.*) creates and scrapes; it
        // exists already (Camel Main sets up camel.metrics before the configuration classes run).
        MeterRegistry camelMeters = context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        if (camelMeters != null) {
            StkMetrics.filter(camelMeters);
        }
        Supplier<MeterRegistry> meters = () -> context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        StkMetrics metrics = new StkMetrics(meters);
        context.getManagementStrategy().addEventNotifier(new DarajaLatency(meters));
        KafkaComponent kafkaComponent = context.getComponent("kafka", KafkaComponent.class);
        kafkaComponent.setKafkaClientFactory(new MeteredKafkaClientFactory(meters));
        // TLS, SASL and passed-through properties for every consumer and producer of the routes: camel-kafka applies
        // these after the endpoints' own parameters
        kafkaComponent.getConfiguration().setAdditionalProperties(new HashMap<>(kafka.clientProperties()));
        // of the intake threads, how many may work on the CPU at once; the others wait for Daraja (WorkSlots). A working
        // thread keeps its slot through its commits' store waits, so four per processor keep the cores busy
        // (BENCHMARKS.md, "Working threads")
        WorkSlots workSlots = new WorkSlots(workingThreads > 0 ? workingThreads : 4 * Runtime.getRuntime().availableProcessors());
        context.getManagementStrategy().addEventNotifier(workSlots);
        DarajaTokenCache tokens = new DarajaTokenCache(new CamelTokenFetcher(context.createProducerTemplate()), clock,
                Duration.ofSeconds(refreshMargin), metrics::tokenRefreshed, workSlots);
        // one for both pools: they share the database, and a store serves the commits of both
        H2GroupCommit groupCommit = H2GroupCommit.forLedger(dbUrl, h2CommitGather);
        Transactions transactions = new Transactions(dataSource, groupCommit);
        OutcomeEvents outcomeEvents = new OutcomeEvents(mapper);
        InterruptedPushes interruptedPushes = new InterruptedPushes(answerDeadline, interruptedWait);
        AttemptLedger ledger = new AttemptLedger(transactions, outcomeEvents, pushRequests, mapper, clock, querySchedule,
                instanceId, callbackWindow, interruptedPushes, verifyEverySuccess);
        // callbacks and the relay on their own connections (STK_DB_CALLBACK_POOL_SIZE): the same ledger, other pool
        Transactions callbackTransactions = new Transactions(callbackDataSource, groupCommit);
        AttemptLedger callbackLedger = new AttemptLedger(callbackTransactions, outcomeEvents, pushRequests, mapper, clock,
                querySchedule, instanceId, callbackWindow, interruptedPushes, verifyEverySuccess);
        RateLimits rateLimits = new RateLimits(dbUrl, dataSource, clock, rateLimitStoreWait);
        StaleAttempts staleAttempts = new StaleAttempts(ledger, merchants, rateLimits.limiter("query", queryTps, Map.of()),
                millis(settings, "stk.query.sweep-interval-ms", "STK_QUERY_SWEEP_INTERVAL_MS"), SWEEP_HEADROOM, queryBatch,
                instanceId);

        Registry registry = context.getRegistry();
        VertxPlatformHttpServer apiServer = ApiListener.install(context, apiHost, apiPort, httpPort, maxBodySize);
        // Camel's HTTP servers (callbacks, API, management) take this Vert.x from the registry; it is closed with the context
        Vertx vertx = listenerLimits.applyTo(Vertx.vertx());
        registry.bind("vertx", vertx);
        context.addService((Service) new ServiceSupport() {
            @Override
            protected void doStop() {
                vertx.close();
            }
        });
        registry.bind("dataSource", dataSource);
        registry.bind("callbackDataSource", callbackDataSource);
        registry.bind("h2Compaction", new H2Compaction(dataSource, dbUrl));
        Outbox outbox = new Outbox(callbackTransactions, clock, outboxBatch, outboxLease, instanceId);
        // SIGTERM: Camel's graceful shutdown of the routes, then the outbox emptied onto Kafka (GracefulShutdown)
        GracefulShutdown shutdown = GracefulShutdown.install(context, outbox);
        LedgerHealth ledgerHealth = new LedgerHealth(outbox,
                settings.integer("stk.health.max-outbox-backlog", "STK_HEALTH_MAX_OUTBOX_BACKLOG"));
        DarajaTokenHealth tokenHealth = new DarajaTokenHealth(merchants, tokens);
        context.addStartupListener((started, alreadyStarted) -> {
            new LedgerGauges(dataSource, outbox, staleAttempts, clock).bindTo(meters.get());
            metrics.registerAtZero(merchants.all());
            HealthCheckRegistry health = HealthCheckRegistry.get(started);
            if (health != null) {
                ledgerHealth.setCamelContext(started);
                health.register(ledgerHealth);
                tokenHealth.setCamelContext(started);
                health.register(tokenHealth);
            }
        });
        PushesInFlight pushesInFlight = new PushesInFlight();
        context.addStartupListener((started, alreadyStarted) -> pushesInFlight.bindTo(meters.get()));
        registry.bind("pushesInFlight", pushesInFlight);
        // The intake's workers: up to STK_MAX_IN_FLIGHT records of a batch, each read, recorded and pushed on its own
        // thread. Each Daraja endpoint's HTTP connection pool must hold that many pushes, plus queries and token calls:
        // a push that waited too long for a pooled connection would fail although it was never sent.
        ExecutorService intakeThreads = context.getExecutorServiceManager().newThreadPool(this, "stk-intake",
                new ThreadPoolProfileBuilder("stk-intake").poolSize(maxInFlight).maxPoolSize(maxInFlight)
                        // a queue for the rest of a batch (Camel's default would run a record on the consumer thread)
                        .maxQueueSize(Integer.MAX_VALUE).rejectedPolicy(ThreadPoolRejectedPolicy.Abort).build());
        registry.bind("intakeThreads", intakeThreads);
        registry.bind("workSlots", workSlots);

        // plain http (a simulator) and https (Daraja) alike; timeouts and "no automatic retries" are in application.properties
        DarajaExchangeDeadline exchangeDeadline = new DarajaExchangeDeadline(interruptedWait);
        DarajaKeepAlive keepAlive = new DarajaKeepAlive(darajaKeepAlive);
        for (String scheme : List.of("http", "https")) {
            HttpComponent http = context.getComponent(scheme, HttpComponent.class);
            http.setHttpClientConfigurer(builder -> {
                exchangeDeadline.configureHttpClient(builder);
                builder.setKeepAliveStrategy(keepAlive);
            });
            http.setConnectionsPerRoute(Math.max(http.getConnectionsPerRoute(), maxInFlight + 20));
            http.setMaxTotalConnections(Math.max(http.getMaxTotalConnections(), maxInFlight + 20));
        }
        if (darajaTls != null) {
            context.getComponent("https", HttpComponent.class).setSslContextParameters(darajaTls);
        }
        registry.bind("stkMetrics", metrics);
        registry.bind("intentReader", new IntentReader(mapper, merchants, settings.optional("stk.default-description")));
        registry.bind("attemptLedger", ledger);
        registry.bind("darajaCalls", new DarajaCalls(pushRequests, passwords, tokens, merchants, mapper));
        registry.bind("pushPolicy", new PushPolicy(rateLimits.limiter("push", pushTps, pushTpsByShortcode(merchants)), merchants, busyRetries,
                busyRetryDelay, workSlots));
        registry.bind("staleAttempts", staleAttempts);
        registry.bind("attemptLookup", new AttemptLookup(ledger, mapper));
        registry.bind("apiAccess", apiAccess);
        registry.bind("supportApi", new SupportApi(new AttemptSearch(transactions), new AttemptHistory(transactions),
                new LedgerSummary(transactions, clock, querySchedule.firstDelay()), new PhoneAccess(transactions, clock),
                staleAttempts::queryBacklog, mapper, clock));
        registry.bind("consoleAssets", new ConsoleAssets());
        registry.bind("realRequestHeaders", new RealRequestHeaders());
        DarajaOutage outage = new DarajaOutage(clock,
                millis(settings, "daraja.outage-pause-ms", "DARAJA_OUTAGE_PAUSE_MS"),
                millis(settings, "daraja.outage-give-up-ms", "DARAJA_OUTAGE_GIVE_UP_MS"));
        registry.bind("darajaOutage", outage);
        registry.bind("deferredPushes", new DeferredPushes(ledger, outage, merchants, queryBatch));
        registry.bind("pushFailures", new PushFailures(ledger, outage, clock, metrics, answerRecordRetry, workSlots));
        registry.bind("pushBoundary", new io.stkbridge.daraja.PushBoundary(ledger, instanceId));
        registry.bind("callbackReceiver", new CallbackReceiver(callbackTokens, metrics,
                callbackSources,
                callbackLedger));
        registry.bind("outbox", outbox);
        registry.bind("retention", new Retention(transactions, clock, retentionDays, Math.max(retentionBatch, 1)));
        registry.bind("kafkaOffsets", new KafkaOffsets());
        registry.bind("outcomeRecords", new OutcomeRecords());
        IntakeBatches intakeBatches = new IntakeBatches((IntentReader) registry.lookupByName("intentReader"), ledger,
                intakeThreads, maxInFlight, workSlots, context.createProducerTemplate(), "direct:intake-record",
                maxFailedReads, "direct:dead-letter");
        registry.bind("intakeBatches", intakeBatches);
        shutdown.drainFirst(intakeBatches);
        context.addLifecycleStrategy(IntakeCommits.attachTo(IntakeBatches.INTAKE_ROUTE, new IntakeCommits(intakeBatches),
                new IntakeConsumer.Factory(meters, intakeBatches)));
        context.addStartupListener((started, alreadyStarted) -> intakeBatches.bindTo(meters.get()));
        // after Camel's HTTP servers (added before the configuration classes run): start-up stops if one could not bind,
        // before any route consumes; and the management port's health and info say no more than intended
        context.addService(new HttpListeners(context, apiServer, apiHost, apiPort));
        context.addService(new ManagementEndpoints(context));
        io.opentelemetry.sdk.OpenTelemetrySdk tracing = Tracing.start(context, environment);
        registry.bind("attemptTraces", new AttemptTraces(ledger, tracing != null));
        // callbacks read it through their own pool, as they store: a busy intake never holds up a callback's answer
        registry.bind("callbackTraces", new AttemptTraces(callbackLedger, tracing != null));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                exchangeDeadline.close();
                callbackDataSource.close();
                dataSource.close();
                if (tracing != null) {
                    tracing.close();
                }
            }
        });
    }

    private static Duration millis(Settings settings, String key, String environmentVariable) {
        return Duration.ofMillis(settings.integer(key, environmentVariable));
    }

    /**
     * Names this instance in the ledger's claims (sweeper, outbox relay) and query history, so an operator can see who
     * holds an attempt. Two running instances must not share it: {@code STK_INSTANCE_ID}, or by default host and pid.
     */
    private static String instanceId(Settings settings) {
        String configured = settings.optional("stk.instance-id").strip();
        if (!configured.isEmpty()) {
            if (configured.length() > 64 || !configured.matches("[\\x21-\\x7E]+")) {
                settings.problem("STK_INSTANCE_ID must be 1-64 printable ASCII characters without spaces");
            }
            return configured;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        String id = host + "-" + ProcessHandle.current().pid();
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    private static ClientAddresses clientAddresses(Settings settings) {
        List<String> problems = new java.util.ArrayList<>();
        String proxies = settings.optional("stk.http.trusted-proxies");
        ClientAddresses clients = new ClientAddresses(AddressRanges.parse(java.util.Arrays.stream(proxies.split(","))
                .map(String::trim).filter(p -> !p.isEmpty()).toList(), "STK_TRUSTED_PROXIES", problems));
        problems.forEach(settings::problem);
        return clients;
    }

    private CallbackSources callbackSources(Settings settings, ClientAddresses clients) {
        if (environment.containsKey("STK_CALLBACK_TRUST_FORWARDED_FOR")) {
            settings.problem("STK_CALLBACK_TRUST_FORWARDED_FOR is no longer used: it trusted the client-written first "
                    + "X-Forwarded-For entry from any peer; name your proxies in STK_TRUSTED_PROXIES instead, and unset it");
        }
        List<String> problems = new java.util.ArrayList<>();
        CallbackSources sources = new CallbackSources(
                CallbackSources.allowlist(settings.optional("stk.callback.allowed-ips"), problems), clients);
        problems.forEach(settings::problem);
        return sources;
    }

    /**
     * The trust store Daraja's certificate is checked against (DARAJA_TRUSTSTORE_FILE), loaded once here so that a
     * missing file or a wrong password stops start-up instead of failing every push; null: the JVM's default trust.
     */
    private static SSLContextParameters darajaTrustStore(Settings settings) {
        String file = settings.optional("daraja.truststore-file");
        String password = settings.secret("DARAJA_TRUSTSTORE_PASSWORD", false);
        if (file.isEmpty()) {
            return null;
        }
        if (!settings.keyStoreOpens("DARAJA_TRUSTSTORE_FILE", file, "DARAJA_TRUSTSTORE_PASSWORD", password)) {
            return null;
        }
        KeyStoreParameters store = new KeyStoreParameters();
        store.setResource("file:" + file);
        store.setPassword(password);
        TrustManagersParameters trust = new TrustManagersParameters();
        trust.setKeyStore(store);
        SSLContextParameters tls = new SSLContextParameters();
        tls.setTrustManagers(trust);
        return tls;
    }

    /** A merchant's {@code pushTps} limits its shortcode; merchants sharing a shortcode share the lowest limit. */
    /**
     * The per-shortcode rate limits: on a PostgreSQL ledger shared by every instance (a Bucket4j bucket per shortcode in
     * the ledger), so that the configured rate is the merchant's total; on H2 in this process, which is right because
     * only one process can open an H2 file ledger (its file lock).
     */
    private record RateLimits(String dbUrl, javax.sql.DataSource dataSource, Clock clock, Duration storeWait) {
        TpsLimiter limiter(String name, int perSecond, Map<String, Double> perSecondByShortcode) {
            return dbUrl.startsWith("jdbc:postgresql:")
                    ? TpsLimiter.shared(name, dataSource, Math.max(perSecond, 1), perSecondByShortcode, clock, storeWait)
                    : TpsLimiter.local(name, Math.max(perSecond, 1), perSecondByShortcode, clock);
        }
    }

    private static Map<String, Double> pushTpsByShortcode(Merchants merchants) {
        Map<String, Double> limits = new HashMap<>();
        for (Merchant merchant : merchants.all()) {
            if (merchant.pushTps() > 0) {
                limits.merge(merchant.shortcode(), (double) merchant.pushTps(), Math::min);
            }
        }
        return limits;
    }

    /**
     * Daraja posts results to this base URL; plain http is only for loopback unless explicitly allowed, and never when a
     * merchant uses production.
     *
     * @param production the names of the merchants that use production
     */
    private String callbackBaseUrl(Settings settings, List<String> production) {
        String url = settings.text("stk.callback.base-url", "STK_CALLBACK_BASE_URL");
        URI uri = url(settings, "STK_CALLBACK_BASE_URL", url);
        if (uri == null) {
            return url;
        }
        if (!production.isEmpty() && !"https".equalsIgnoreCase(uri.getScheme())) {
            settings.problem("STK_CALLBACK_BASE_URL must be https because merchant(s) " + String.join(", ", production)
                    + " use production (neither loopback nor STK_CALLBACK_ALLOW_INSECURE allows plain http there)");
        } else if (!httpsOrLoopback(uri, settings.flag("stk.callback.allow-insecure"))) {
            settings.problem("STK_CALLBACK_BASE_URL must be https (plain http only for loopback, or with STK_CALLBACK_ALLOW_INSECURE=true): " + url);
        }
        return url;
    }

    /**
     * The Daraja host every merchant's calls go to when set (credentials, passkey-derived passwords and customers' phone
     * numbers travel to it): when a merchant uses production it must be https, plain http only to a loopback host.
     */
    private static void darajaBaseUrl(Settings settings, List<String> production) {
        URI uri = url(settings, "DARAJA_BASE_URL", settings.optional("daraja.base-url"));
        if (uri != null && !production.isEmpty() && !httpsOrLoopback(uri, false)) {
            settings.problem("DARAJA_BASE_URL must be https because merchant(s) " + String.join(", ", production)
                    + " use production (plain http only to a loopback host)");
        }
    }

    /** The URL a variable holds; null when it is empty, or not a URL (a problem then names the variable). */
    private static URI url(Settings settings, String variable, String url) {
        if (url.isEmpty()) {
            return null;
        }
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            settings.problem(variable + " is not a URL: " + url);
            return null;
        }
    }

    /** https; or plain http to a loopback host, or to any host when {@code anyHttp}. */
    private static boolean httpsOrLoopback(URI uri, boolean anyHttp) {
        return "https".equalsIgnoreCase(uri.getScheme())
                || ("http".equalsIgnoreCase(uri.getScheme()) && (anyHttp || isLoopback(uri.getHost())));
    }

    /**
     * H2 settings the ledger needs, unless the URL sets them itself. H2 closes its databases in a JVM shutdown hook of its
     * own, which on SIGTERM would pull the ledger away from the in-flight work and the final outbox flush: the ledger is
     * closed by this application, last, instead. H2 keeps 8 parsed statements per connection by default, fewer than the
     * ledger's statements for one payment, so every statement would be parsed again each time. H2's own write delay
     * stays: the ledger's transactions wait for their commit to be in the file themselves ({@link H2GroupCommit}). H2's
     * background compaction is off: it works under H2's store lock every few hundred milliseconds, where the group
     * commits wait for it (the zero-latency benchmark went from 97 to 122 intents/s without it, on a loaded machine);
     * the ledger compacts on a schedule of its own instead ({@link io.stkbridge.ledger.H2Compaction}).
     */
    static String withH2Settings(String url) {
        if (!url.startsWith("jdbc:h2:")) {
            return url;
        }
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        String withSettings = url;
        if (!upper.contains("DB_CLOSE_ON_EXIT")) {
            withSettings += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        if (!upper.contains("QUERY_CACHE_SIZE")) {
            withSettings += ";QUERY_CACHE_SIZE=128";
        }
        if (!upper.contains("AUTO_COMPACT_FILL_RATE")) {
            withSettings += ";AUTO_COMPACT_FILL_RATE=0";
        }
        return withSettings;
    }

    private static boolean isLoopback(String host) {
        try {
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * H2 keeps every value it reads in one array shared by all threads, to hand out equal values as one object
     * ({@code h2.objectCache}): each read value is hashed, compared and written there, 3 % of the bridge's CPU samples
     * under load (BENCHMARKS.md, "Meters that cost, and H2's value cache"), to save heap on values the ledger seldom
     * repeats. It is a JVM-wide setting, read when H2 first loads, so it is turned off before the first connection,
     * unless {@code -Dh2.objectCache} says otherwise.
     */
    private static void withoutH2ValueCache(String url) {
        if (url.startsWith("jdbc:h2:") && System.getProperty("h2.objectCache") == null) {
            System.setProperty("h2.objectCache", "false");
        }
    }

    private static HikariDataSource dataSource(String url, String user, String password, int poolSize,
                                               int idleInTransactionMs, String name) {
        withoutH2ValueCache(url);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(withH2Settings(url));
        if (url.startsWith("jdbc:postgresql:")) {
            config.setConnectionInitSql("SET idle_in_transaction_session_timeout = " + idleInTransactionMs);
        }
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }
}
