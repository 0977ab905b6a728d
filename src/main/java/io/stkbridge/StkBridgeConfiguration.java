package io.stkbridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.stkbridge.daraja.CallbackReceiver;
import io.stkbridge.daraja.CallbackTokens;
import io.stkbridge.daraja.CamelTokenFetcher;
import io.stkbridge.daraja.DarajaTokenCache;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.daraja.PushFailures;
import io.stkbridge.daraja.StkPushCalls;
import io.stkbridge.daraja.StkPushRequests;
import io.stkbridge.intent.IntentReader;
import io.stkbridge.kafka.KafkaOffsets;
import io.stkbridge.kafka.KafkaTopics;
import io.stkbridge.ledger.AttemptLedger;
import io.stkbridge.ledger.Outbox;
import io.stkbridge.ledger.Transactions;
import io.stkbridge.outcome.OutcomeEvents;
import org.apache.camel.CamelContext;
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
        String dbUrl = settings.text("stk.db.url", "STK_DB_URL");
        String dbUser = settings.optional("stk.db.user");
        String dbPassword = settings.secret("STK_DB_PASSWORD", false);
        int poolSize = settings.integer("stk.db.pool-size", "STK_DB_POOL_SIZE");
        int outboxBatch = settings.integer("stk.outbox.batch-size", "STK_OUTBOX_BATCH_SIZE");
        int refreshMargin = settings.integer("daraja.token-refresh-margin-seconds", "DARAJA_TOKEN_REFRESH_MARGIN_SECONDS");
        settings.check();

        context.getPropertiesComponent().addOverrideProperty("daraja.base-url", baseUrl);
        if (settings.flag("stk.kafka.create-topics")) {
            KafkaTopics.ensure(settings.optional("kafka.bootstrap-servers"),
                    List.of(settings.optional("stk.topic.intents"), settings.optional("stk.topic.outcomes"),
                            settings.optional("stk.topic.dlq")),
                    settings.integer("stk.kafka.topic-partitions", "STK_KAFKA_TOPIC_PARTITIONS"),
                    (short) settings.integer("stk.kafka.topic-replication-factor", "STK_KAFKA_TOPIC_REPLICATION_FACTOR"));
        }
        HikariDataSource dataSource = dataSource(dbUrl, dbUser, dbPassword, poolSize);
        Flyway.configure().dataSource(dataSource).load().migrate();

        ObjectMapper mapper = new ObjectMapper();
        Merchants merchants = new Merchants(List.of(merchant));
        CallbackTokens callbackTokens = new CallbackTokens(callbackSecret, callbackBaseUrl);
        StkPushRequests pushRequests = new StkPushRequests(merchants, new StkPassword(clock), callbackTokens);
        DarajaTokenCache tokens = new DarajaTokenCache(new CamelTokenFetcher(context.createProducerTemplate()), clock,
                Duration.ofSeconds(refreshMargin));
        Transactions transactions = new Transactions(dataSource);
        AttemptLedger ledger = new AttemptLedger(transactions, new OutcomeEvents(mapper), pushRequests, mapper, clock);

        Registry registry = context.getRegistry();
        registry.bind("dataSource", dataSource);
        registry.bind("intentReader", new IntentReader(mapper, merchants, settings.optional("stk.default-description")));
        registry.bind("attemptLedger", ledger);
        registry.bind("stkPushCalls", new StkPushCalls(pushRequests, tokens, merchants, mapper));
        registry.bind("pushFailures", new PushFailures(ledger));
        registry.bind("callbackReceiver", new CallbackReceiver(callbackTokens, ledger));
        registry.bind("outbox", new Outbox(transactions, clock, outboxBatch));
        registry.bind("kafkaOffsets", new KafkaOffsets());
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                dataSource.close();
            }
        });
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
