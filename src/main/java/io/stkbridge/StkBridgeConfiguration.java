package io.stkbridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.daraja.CallbackReceiver;
import io.stkbridge.daraja.CallbackSources;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.daraja.CamelTokenFetcher;
import io.stkbridge.daraja.DarajaTokenCache;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.daraja.PushFailures;
import io.stkbridge.daraja.PushPolicy;
import io.stkbridge.daraja.DarajaCalls;
import io.stkbridge.daraja.DarajaOutage;
import io.stkbridge.daraja.TpsLimiter;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.kafka.KafkaOffsets;
import io.stkbridge.kafka.KafkaTopics;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.AttemptLookup;
import io.stkbridge.ledger.LedgerGauges;
import io.stkbridge.ledger.LedgerHealth;
import io.stkbridge.ledger.DeferredPushes;
import io.stkbridge.ledger.Outbox;
import io.stkbridge.ledger.QuerySchedule;
import io.stkbridge.ledger.StaleAttempts;
import io.stkbridge.ledger.Transactions;
import io.stkbridge.outcome.OutcomeEvents;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.flywaydb.core.Flyway;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Reads the configuration, checks it, migrates the ledger, creates the topics and binds the beans the routes call. */
public class StkBridgeConfiguration implements CamelConfiguration {

    static final Map<String, String> DARAJA_BASE_URLS = Map.of(
            "sandbox", "https://sandbox.safaricom.co.ke",
            "production", "https://api.safaricom.co.ke");

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
        String baseUrl = darajaBaseUrl(settings);
        Merchant merchant = merchant(settings);
        String callbackBaseUrl = callbackBaseUrl(settings);
        String callbackSecret = settings.secret("STK_CALLBACK_SECRET", true);
        if (!callbackSecret.isEmpty() && callbackSecret.length() < 16) {
            settings.problem("STK_CALLBACK_SECRET must be at least 16 characters");
        }
        if (settings.optional("stk.default-account-reference").length() > 12) {
            settings.problem("STK_DEFAULT_ACCOUNT_REFERENCE must be at most 12 characters (Daraja's AccountReference limit)");
        }
        if (settings.optional("stk.default-description").length() > 13) {
            settings.problem("STK_DEFAULT_DESCRIPTION must be at most 13 characters (Daraja's TransactionDesc limit)");
        }
        String dbUrl = settings.text("stk.db.url", "STK_DB_URL");
        String dbUser = settings.optional("stk.db.user");
        String dbPassword = settings.secret("STK_DB_PASSWORD", false);
        int poolSize = settings.integer("stk.db.pool-size", "STK_DB_POOL_SIZE");
        int outboxBatch = settings.integer("stk.outbox.batch-size", "STK_OUTBOX_BATCH_SIZE");
        int refreshMargin = settings.integer("daraja.token-refresh-margin-seconds", "DARAJA_TOKEN_REFRESH_MARGIN_SECONDS");
        QuerySchedule querySchedule = new QuerySchedule(
                millis(settings, "stk.query.first-delay-ms", "STK_QUERY_FIRST_DELAY_MS"),
                millis(settings, "stk.query.retry-base-ms", "STK_QUERY_RETRY_BASE_MS"),
                millis(settings, "stk.query.retry-max-ms", "STK_QUERY_RETRY_MAX_MS"),
                millis(settings, "stk.query.give-up-after-ms", "STK_QUERY_GIVE_UP_AFTER_MS"),
                millis(settings, "stk.query.lease-ms", "STK_QUERY_LEASE_MS"));
        int queryBatch = settings.integer("stk.query.batch-size", "STK_QUERY_BATCH_SIZE");
        int queryTps = settings.integer("stk.query.tps-per-shortcode", "STK_QUERY_TPS_PER_SHORTCODE");
        if (queryTps < 1) {
            settings.problem("STK_QUERY_TPS_PER_SHORTCODE must be at least 1");
        }
        int pushTps = settings.integer("daraja.push-tps-per-shortcode", "DARAJA_PUSH_TPS_PER_SHORTCODE");
        if (pushTps < 1) {
            settings.problem("DARAJA_PUSH_TPS_PER_SHORTCODE must be at least 1");
        }
        int busyRetries = settings.integer("daraja.push-busy-retries", "DARAJA_PUSH_BUSY_RETRIES");
        int busyRetryDelay = settings.integer("daraja.push-busy-retry-delay-ms", "DARAJA_PUSH_BUSY_RETRY_DELAY_MS");
        String operatorKey = settings.secret("STK_API_OPERATOR_KEY", false);
        settings.check();

        context.getPropertiesComponent().addOverrideProperty("daraja.base-url", baseUrl);
        if (settings.flag("stk.kafka.create-topics")) {
            KafkaTopics.ensure(settings.optional("kafka.bootstrap-servers"),
                    List.of(settings.optional("stk.topic.intents"), settings.optional("stk.topic.outcomes"),
                            settings.optional("stk.topic.dlq"), settings.optional("stk.topic.query-requests")),
                    settings.integer("stk.kafka.topic-partitions", "STK_KAFKA_TOPIC_PARTITIONS"),
                    (short) settings.integer("stk.kafka.topic-replication-factor", "STK_KAFKA_TOPIC_REPLICATION_FACTOR"));
        }
        HikariDataSource dataSource = dataSource(dbUrl, dbUser, dbPassword, poolSize);
        Flyway.configure().dataSource(dataSource).load().migrate();

        ObjectMapper mapper = new ObjectMapper();
        Merchants merchants = new Merchants(List.of(merchant));
        CallbackTokens callbackTokens = new CallbackTokens(callbackSecret, callbackBaseUrl);
        StkPassword passwords = new StkPassword(clock);
        StkPushRequests pushRequests = new StkPushRequests(merchants, passwords, callbackTokens);
        DarajaTokenCache tokens = new DarajaTokenCache(new CamelTokenFetcher(context.createProducerTemplate()), clock,
                Duration.ofSeconds(refreshMargin));
        Transactions transactions = new Transactions(dataSource);
        AttemptLedger ledger = new AttemptLedger(transactions, new OutcomeEvents(mapper), pushRequests, mapper, clock,
                querySchedule);

        Registry registry = context.getRegistry();
        registry.bind("dataSource", dataSource);
        // The product's meters go into the registry Camel's metrics service (camel.metrics.*) creates and scrapes.
        Supplier<MeterRegistry> meters = () -> context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        Outbox outbox = new Outbox(transactions, clock, outboxBatch);
        LedgerHealth ledgerHealth = new LedgerHealth(outbox,
                settings.integer("stk.health.max-outbox-backlog", "STK_HEALTH_MAX_OUTBOX_BACKLOG"));
        context.addStartupListener((started, alreadyStarted) -> {
            new LedgerGauges(dataSource, outbox, clock).bindTo(meters.get());
            HealthCheckRegistry health = HealthCheckRegistry.get(started);
            if (health != null) {
                ledgerHealth.setCamelContext(started);
                health.register(ledgerHealth);
            }
        });
        StkMetrics metrics = new StkMetrics(meters);
        registry.bind("stkMetrics", metrics);
        registry.bind("intentReader", new IntentReader(mapper, merchants, settings.optional("stk.default-description")));
        registry.bind("attemptLedger", ledger);
        registry.bind("darajaCalls", new DarajaCalls(pushRequests, passwords, tokens, merchants, mapper));
        registry.bind("pushPolicy", new PushPolicy(new TpsLimiter(Math.max(pushTps, 1), clock), merchants, busyRetries,
                busyRetryDelay));
        registry.bind("staleAttempts", new StaleAttempts(ledger, merchants, new TpsLimiter(Math.max(queryTps, 1), clock), queryBatch,
                instanceId()));
        registry.bind("attemptLookup", new AttemptLookup(ledger, mapper));
        registry.bind("apiAccess", new ApiAccess(operatorKey));
        DarajaOutage outage = new DarajaOutage(clock,
                millis(settings, "daraja.outage-pause-ms", "DARAJA_OUTAGE_PAUSE_MS"),
                millis(settings, "daraja.outage-give-up-ms", "DARAJA_OUTAGE_GIVE_UP_MS"));
        registry.bind("darajaOutage", outage);
        registry.bind("deferredPushes", new DeferredPushes(ledger, outage, queryBatch));
        registry.bind("pushFailures", new PushFailures(ledger, outage, clock));
        registry.bind("callbackReceiver", new CallbackReceiver(callbackTokens, metrics,
                new CallbackSources(settings.optional("stk.callback.allowed-ips"), settings.flag("stk.callback.trust-forwarded-for")),
                ledger));
        registry.bind("outbox", outbox);
        registry.bind("kafkaOffsets", new KafkaOffsets());
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                dataSource.close();
            }
        });
    }

    private static Duration millis(Settings settings, String key, String environmentVariable) {
        return Duration.ofMillis(settings.integer(key, environmentVariable));
    }

    /** Names this instance in sweeper claims, so an operator can see who holds an attempt. */
    private static String instanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        String id = host + "-" + ProcessHandle.current().pid();
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    private String darajaBaseUrl(Settings settings) {
        String explicit = settings.optional("daraja.base-url");
        if (!explicit.isEmpty()) {
            return explicit.replaceAll("/+$", "");
        }
        String environmentName = settings.optional("daraja.environment");
        String known = DARAJA_BASE_URLS.get(environmentName);
        if (known == null) {
            settings.problem("DARAJA_ENVIRONMENT must be sandbox or production (or set DARAJA_BASE_URL), not '" + environmentName + "'");
            return "";
        }
        return known;
    }

    private Merchant merchant(Settings settings) {
        String shortcode = settings.text("daraja.shortcode", "DARAJA_SHORTCODE");
        String type = settings.text("daraja.transaction-type", "DARAJA_TRANSACTION_TYPE");
        if (!type.isEmpty() && !type.equals(Merchant.PAY_BILL) && !type.equals(Merchant.BUY_GOODS)) {
            settings.problem("DARAJA_TRANSACTION_TYPE must be " + Merchant.PAY_BILL + " or " + Merchant.BUY_GOODS);
        }
        String partyB = settings.optional("daraja.party-b");
        if (Merchant.BUY_GOODS.equals(type) && partyB.isEmpty()) {
            settings.problem("DARAJA_PARTY_B (the till number) is required for " + Merchant.BUY_GOODS);
        }
        String password = settings.secret("DARAJA_PASSWORD", false);
        String timestamp = settings.secret("DARAJA_TIMESTAMP", false);
        String passkey = settings.secret("DARAJA_PASSKEY", password.isEmpty());
        if (!password.isEmpty() && timestamp.isEmpty()) {
            settings.problem("DARAJA_TIMESTAMP is required with DARAJA_PASSWORD (they are one pair)");
        }
        return new Merchant(settings.optional("daraja.merchant-name"), shortcode, partyB.isEmpty() ? shortcode : partyB, type,
                settings.optional("stk.default-account-reference"),
                settings.secret("DARAJA_CONSUMER_KEY", true),
                settings.secret("DARAJA_CONSUMER_SECRET", true),
                passkey, password, timestamp);
    }

    /** Daraja posts results to this base URL; plain http is only for loopback unless explicitly allowed. */
    private String callbackBaseUrl(Settings settings) {
        String url = settings.text("stk.callback.base-url", "STK_CALLBACK_BASE_URL");
        if (url.isEmpty()) {
            return url;
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            settings.problem("STK_CALLBACK_BASE_URL is not a URL: " + url);
            return url;
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean http = "http".equalsIgnoreCase(uri.getScheme());
        if (!https && !(http && (isLoopback(uri.getHost()) || settings.flag("stk.callback.allow-insecure")))) {
            settings.problem("STK_CALLBACK_BASE_URL must be https (plain http only for loopback, or with STK_CALLBACK_ALLOW_INSECURE=true): " + url);
        }
        return url;
    }

    private static boolean isLoopback(String host) {
        try {
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (Exception e) {
            return false;
        }
    }

    private static HikariDataSource dataSource(String url, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("stk-ledger");
        return new HikariDataSource(config);
    }
}
