package io.stkbridge;

import io.stkbridge.daraja.AccountReferenceRule;
import io.stkbridge.daraja.Merchant;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * STK_MERCHANTS_FILE and the single-merchant DARAJA_* configuration: what is read, and every start-up problem named by
 * its key, without a secret's value.
 */
class MerchantSettingsTest {

    static final String SANDBOX_PASSKEY = MerchantSettings.SANDBOX_PASSKEY;

    @TempDir
    Path dir;
    final DefaultCamelContext context = new DefaultCamelContext();

    final Map<String, String> environment = new HashMap<>(Map.of(
            "SHOP_CONSUMER_KEY", "shop-key",
            "SHOP_CONSUMER_SECRET", "shop-secret-value",
            "SHOP_PASSKEY", "shop-passkey-value",
            "KIOSK_CONSUMER_KEY", "kiosk-key",
            "KIOSK_CONSUMER_SECRET", "kiosk-secret-value",
            "KIOSK_PASSKEY", "kiosk-passkey-value",
            "STK_CALLBACK_SECRET", "test-callback-secret-0123456789"));

    @AfterEach
    void stop() {
        context.stop();
    }

    static final String TWO_MERCHANTS = """
            merchants:
              - name: shop
                environment: sandbox
                shortcode: 600100
                transactionType: CustomerPayBillOnline
                consumerKeyEnv: SHOP_CONSUMER_KEY
                consumerSecretEnv: SHOP_CONSUMER_SECRET
                passkeyEnv: SHOP_PASSKEY
              - name: kiosk
                default: true
                environment: production
                shortcode: "600200"
                transactionType: CustomerBuyGoodsOnline
                partyB: "5000111"
                pushTps: 4
                accountReferenceRule: first12
                consumerKeyEnv: KIOSK_CONSUMER_KEY
                consumerSecretEnv: KIOSK_CONSUMER_SECRET
                passkeyEnv: KIOSK_PASSKEY
            """;

    @Test
    void readsSeveralMerchantsWithTheDefaultFirst() throws IOException {
        Path secretFile = dir.resolve("kiosk_secret");
        Files.writeString(secretFile, "kiosk-secret-from-file\n");
        environment.remove("KIOSK_CONSUMER_SECRET");
        environment.put("KIOSK_CONSUMER_SECRET_FILE", secretFile.toString());

        List<Merchant> merchants = read(TWO_MERCHANTS, Map.of("daraja.push-tps-per-shortcode", "20"));

        assertEquals(List.of("kiosk", "shop"), merchants.stream().map(Merchant::name).toList(), "the default comes first");
        Merchant kiosk = merchants.get(0);
        assertEquals("600200", kiosk.shortcode());
        assertEquals("5000111", kiosk.partyB());
        assertEquals(Merchant.BUY_GOODS, kiosk.transactionType());
        assertEquals("production", kiosk.environment());
        assertEquals("https://api.safaricom.co.ke", kiosk.baseUrl());
        assertEquals(4, kiosk.pushTps());
        assertEquals(AccountReferenceRule.FIRST_12, kiosk.accountReferenceRule());
        assertEquals("kiosk-key", kiosk.consumerKey());
        assertEquals("kiosk-secret-from-file", kiosk.consumerSecret(), "<VAR>_FILE works for variables the file names");
        assertEquals("kiosk-passkey-value", kiosk.passkey());
        Merchant shop = merchants.get(1);
        assertEquals("600100", shop.shortcode(), "a shortcode written as a YAML number is read as text");
        assertEquals("600100", shop.partyB(), "PayBill pays into the shortcode");
        assertEquals("https://sandbox.safaricom.co.ke", shop.baseUrl());
        assertEquals(20, shop.pushTps(), "DARAJA_PUSH_TPS_PER_SHORTCODE is the default");
        assertEquals(AccountReferenceRule.LAST_12, shop.accountReferenceRule(), "STK_ACCOUNT_REFERENCE_RULE is the default");
        assertFalse(kiosk.toString().contains("kiosk-secret") || kiosk.toString().contains("passkey-value"));
    }

    @Test
    void darajaBaseUrlOverridesEveryMerchantsHost() throws IOException {
        List<Merchant> merchants = read(TWO_MERCHANTS, Map.of("daraja.base-url", "http://127.0.0.1:8089/"));
        assertEquals(List.of("http://127.0.0.1:8089", "http://127.0.0.1:8089"),
                merchants.stream().map(Merchant::baseUrl).toList());
    }

    @Test
    void aMissingVariableIsNamedWithTheKeyThatNamesIt() throws IOException {
        environment.remove("KIOSK_PASSKEY");
        String problems = problems(TWO_MERCHANTS, Map.of());
        assertTrue(problems.contains("merchants[1].passkeyEnv: variable KIOSK_PASSKEY is not set (nor KIOSK_PASSKEY_FILE)"),
                problems);
    }

    @Test
    void secretsWrittenInTheFileAreRefusedWithoutShowingThem() throws IOException {
        String problems = problems("""
                merchants:
                  - name: shop
                    environment: sandbox
                    shortcode: "600100"
                    consumerKey: inline-consumer-key-value
                    consumerSecretEnv: SHOP_CONSUMER_SECRET
                    passkey: inline-passkey-value
                """, Map.of());
        assertTrue(problems.contains("merchants[0].consumerKey: secrets are never written in the merchants file"), problems);
        assertTrue(problems.contains("merchants[0].passkey: secrets are never written in the merchants file"), problems);
        assertTrue(problems.contains("merchants[0].consumerKeyEnv is required"), problems);
        assertFalse(problems.contains("inline-"), problems);
    }

    @Test
    void aSecretPastedWhereAVariableNameBelongsIsNotEchoed() throws IOException {
        String problems = problems(TWO_MERCHANTS.replace("passkeyEnv: SHOP_PASSKEY", "passkeyEnv: " + "ab12cd34ef56"), Map.of());
        assertTrue(problems.contains("merchants[0].passkeyEnv must name an environment variable"), problems);
        assertFalse(problems.contains("ab12cd34ef56"), problems);
    }

    @Test
    void productionRefusesAPlainHttpCallbackUrlEvenWhenInsecureIsAllowed() throws IOException {
        String problems = problems(TWO_MERCHANTS, Map.of(
                "stk.callback.base-url", "http://payments.example.com",
                "stk.callback.allow-insecure", "true"));
        assertTrue(problems.contains("STK_CALLBACK_BASE_URL must be https because merchant(s) kiosk use production"), problems);
        assertFalse(problems.contains("payments.example.com"), "the key is named, not the value: " + problems);
        String loopback = problems(TWO_MERCHANTS, Map.of("stk.callback.base-url", "http://127.0.0.1:8080"));
        assertTrue(loopback.contains("STK_CALLBACK_BASE_URL must be https because"), "loopback neither: " + loopback);
    }

    /** A configuration that fails anyway, so that a test can read every problem of the rest. */
    static final Map<String, String> ONE_OTHER_PROBLEM = Map.of("stk.default-description", "fourteen chars");

    @Test
    void productionRefusesTheComposeFilesPublicCallbackSecret() throws IOException {
        String compose = Files.readString(Path.of("docker/compose.yaml"));
        assertTrue(compose.contains("STK_CALLBACK_SECRET: ${STK_CALLBACK_SECRET:-" + StkBridgeConfiguration.COMPOSE_CALLBACK_SECRET + "}"),
                "the secret production refuses is the compose file's default");
        environment.put("STK_CALLBACK_SECRET", StkBridgeConfiguration.COMPOSE_CALLBACK_SECRET);
        String problems = problems(TWO_MERCHANTS, ONE_OTHER_PROBLEM);
        assertTrue(problems.contains("STK_CALLBACK_SECRET is the public default of docker/compose.yaml, which production refuses"),
                problems);
        assertFalse(problems.contains(StkBridgeConfiguration.COMPOSE_CALLBACK_SECRET), "the value is not shown: " + problems);
        String sandbox = problems(TWO_MERCHANTS.replace("environment: production", "environment: sandbox"), ONE_OTHER_PROBLEM);
        assertFalse(sandbox.contains("STK_CALLBACK_SECRET"), "sandbox merchants may use it: " + sandbox);
    }

    @Test
    void productionRefusesAPlainHttpDarajaBaseUrlExceptToLoopback() throws IOException {
        String plain = problems(TWO_MERCHANTS, Map.of("daraja.base-url", "http://daraja-proxy.internal:8089"));
        assertTrue(plain.contains("DARAJA_BASE_URL must be https because merchant(s) kiosk use production"), plain);
        assertFalse(plain.contains("daraja-proxy.internal"), "the key is named, not the value: " + plain);
        Map<String, String> loopback = new HashMap<>(ONE_OTHER_PROBLEM);
        loopback.put("daraja.base-url", "http://127.0.0.1:8089");
        assertFalse(problems(TWO_MERCHANTS, loopback).contains("DARAJA_BASE_URL"), "plain http to loopback is allowed");
        Map<String, String> https = new HashMap<>(ONE_OTHER_PROBLEM);
        https.put("daraja.base-url", "https://daraja-proxy.internal");
        assertFalse(problems(TWO_MERCHANTS, https).contains("DARAJA_BASE_URL"), "https is allowed");
        Map<String, String> sandbox = new HashMap<>(ONE_OTHER_PROBLEM);
        sandbox.put("daraja.base-url", "http://daraja-simulator:8089");
        assertFalse(problems(TWO_MERCHANTS.replace("environment: production", "environment: sandbox"), sandbox)
                .contains("DARAJA_BASE_URL"), "sandbox merchants may use any http host (the simulator)");
    }

    @Test
    void theSingleProductionMerchantRefusesAPlainHttpDarajaBaseUrlToo() {
        Map<String, String> single = Map.of("DARAJA_CONSUMER_KEY", "k", "DARAJA_CONSUMER_SECRET", "s",
                "DARAJA_PASSKEY", "production-passkey-value", "STK_CALLBACK_SECRET", "test-callback-secret-0123456789");
        String fromVariables = configurationProblems(Map.of("daraja.environment", "production", "daraja.shortcode", "600100",
                "daraja.base-url", "http://daraja-proxy.internal", "stk.default-description", "fourteen chars"), single);
        assertTrue(fromVariables.contains("DARAJA_BASE_URL must be https because merchant(s) default use production"),
                fromVariables);
    }

    @Test
    void productionRefusesThePublicSandboxCredentials() throws IOException {
        environment.put("KIOSK_PASSKEY", SANDBOX_PASSKEY);
        String problems = problems(TWO_MERCHANTS.replace("\"600200\"", "174379"), Map.of());
        assertTrue(problems.contains("merchants[1].shortcode is Safaricom's public sandbox test shortcode, which production refuses"),
                problems);
        assertTrue(problems.contains("merchants[1].passkeyEnv holds Safaricom's public sandbox test passkey"), problems);
        assertFalse(problems.contains(SANDBOX_PASSKEY), problems);
        environment.put("SHOP_PASSKEY", SANDBOX_PASSKEY);
        assertFalse(problems(TWO_MERCHANTS.replace("600100", "174379"), Map.of()).contains("merchants[0]"),
                "sandbox merchants may use them");
    }

    @Test
    void theSingleMerchantFromDarajaVariablesFollowsTheSameProductionRules() {
        Map<String, String> env = Map.of("DARAJA_CONSUMER_KEY", "k", "DARAJA_CONSUMER_SECRET", "s",
                "DARAJA_PASSKEY", SANDBOX_PASSKEY, "STK_CALLBACK_SECRET", "test-callback-secret-0123456789");
        String problems = configurationProblems(Map.of("daraja.environment", "production", "daraja.shortcode", "174379",
                "stk.callback.base-url", "http://127.0.0.1:8080"), env);
        assertTrue(problems.contains("DARAJA_ENVIRONMENT is production, but DARAJA_SHORTCODE is Safaricom's public sandbox"), problems);
        assertTrue(problems.contains("DARAJA_ENVIRONMENT is production, but DARAJA_PASSKEY holds Safaricom's public sandbox"), problems);
        assertTrue(problems.contains("STK_CALLBACK_BASE_URL must be https because merchant(s) default use production"), problems);
        assertFalse(problems.contains(SANDBOX_PASSKEY), problems);
    }

    @Test
    void unknownTransactionTypesKeysAndValuesAreEachNamed() throws IOException {
        String problems = problems("""
                merchants:
                  - name: shop
                    environment: staging
                    shortcode: "60O100"
                    transactionType: CustomerPayBill
                    pushTps: 0
                    defaultAccountReference: ThirteenChars
                    accountReferenceRule: middle12
                    consumerKeyEnv: SHOP_CONSUMER_KEY
                    consumerSecretEnv: SHOP_CONSUMER_SECRET
                    passkeyEnv: SHOP_PASSKEY
                    tillNumber: "5000111"
                  - name: kiosk
                    environment: sandbox
                    shortcode: "600200"
                    transactionType: CustomerBuyGoodsOnline
                    consumerKeyEnv: KIOSK_CONSUMER_KEY
                    consumerSecretEnv: KIOSK_CONSUMER_SECRET
                    passkeyEnv: KIOSK_PASSKEY
                  - name: shop
                    environment: sandbox
                    shortcode: "600300"
                    consumerKeyEnv: SHOP_CONSUMER_KEY
                    consumerSecretEnv: SHOP_CONSUMER_SECRET
                    passkeyEnv: SHOP_PASSKEY
                """, Map.of());
        for (String expected : List.of(
                "merchants[0].environment must be sandbox or production",
                "merchants[0].shortcode must be digits only",
                "merchants[0].transactionType must be CustomerPayBillOnline or CustomerBuyGoodsOnline",
                "merchants[0].pushTps must be a whole number of at least 1",
                "merchants[0].defaultAccountReference is no longer used: AccountReference comes from the order id",
                "merchants[0].accountReferenceRule must be last12 or first12, not 'middle12'",
                "merchants[0].tillNumber: unknown key",
                "merchants[1].partyB (the till number) is required for CustomerBuyGoodsOnline",
                "merchants[2].name: 'shop' is already the name of merchants[0]")) {
            assertTrue(problems.contains(expected), expected + " in\n" + problems);
        }
    }

    @Test
    void fileLevelMistakesAreNamed() throws IOException {
        assertTrue(problems("merchants: []\n", Map.of()).contains("STK_MERCHANTS_FILE: the file must be a mapping with a non-empty 'merchants' list"));
        String twoDefaults = problems(TWO_MERCHANTS.replace("    environment: sandbox\n", "    environment: sandbox\n    default: true\n"), Map.of());
        assertTrue(twoDefaults.contains("only one merchant may say 'default: true', not merchants[0], merchants[1]"), twoDefaults);
        String invalid = problems("merchants:\n  - name: shop\n    passkey: \"unterminated-secret\n", Map.of());
        assertTrue(invalid.contains("STK_MERCHANTS_FILE: not valid YAML"), invalid);
        assertFalse(invalid.contains("unterminated-secret"), invalid);
        String duplicateKey = problems(TWO_MERCHANTS.replace("    shortcode: 600100\n", "    shortcode: 600100\n    shortcode: 600101\n"), Map.of());
        assertTrue(duplicateKey.contains("not valid YAML, or a key given twice (line"), duplicateKey);
        String missing = configurationProblems(Map.of("stk.merchants-file", dir.resolve("nope.yaml").toString()), environment);
        assertTrue(missing.contains("STK_MERCHANTS_FILE names a file that cannot be read"), missing);
        String withShortcode = configurationProblems(Map.of("stk.merchants-file", write(TWO_MERCHANTS).toString(),
                "daraja.shortcode", "174379"), environment);
        assertTrue(withShortcode.contains("DARAJA_SHORTCODE must not be set together with STK_MERCHANTS_FILE"), withShortcode);
    }

    @Test
    void theExampleFileIsValid() throws IOException {
        environment.putAll(Map.of("SANDBOX_CONSUMER_KEY", "k", "SANDBOX_CONSUMER_SECRET", "s",
                "SANDBOX_PASSKEY", SANDBOX_PASSKEY));
        List<Merchant> merchants = read(Files.readString(Path.of("docker/merchants.example.yaml")), Map.of());
        assertEquals(List.of("shop", "kiosk", "sandbox-test"), merchants.stream().map(Merchant::name).toList());
        assertEquals("https://api.safaricom.co.ke", merchants.get(1).baseUrl());
        assertEquals("https://sandbox.safaricom.co.ke", merchants.get(2).baseUrl());
    }

    // --- helpers

    private List<Merchant> read(String yaml, Map<String, String> properties) throws IOException {
        Map<String, String> all = new HashMap<>(properties);
        all.put("stk.merchants-file", write(yaml).toString());
        Settings settings = settings(all, environment);
        List<Merchant> merchants = new MerchantSettings(settings,
                Integer.parseInt(all.getOrDefault("daraja.push-tps-per-shortcode", "20"))).read();
        settings.check();
        return merchants;
    }

    /** The start-up problems of the whole configuration with this merchants file. */
    private String problems(String yaml, Map<String, String> properties) throws IOException {
        Map<String, String> all = new HashMap<>(properties);
        all.put("stk.merchants-file", write(yaml).toString());
        all.putIfAbsent("stk.callback.base-url", "https://payments.example.com");
        return configurationProblems(all, environment);
    }

    private String configurationProblems(Map<String, String> properties, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(properties);
        all.putIfAbsent("stk.callback.base-url", "https://payments.example.com");
        settings(all, env);
        ConfigurationException failure = assertThrows(ConfigurationException.class,
                () -> new StkBridgeConfiguration(env, Clock.systemUTC()).configure(context));
        return failure.getMessage();
    }

    private Settings settings(Map<String, String> properties, Map<String, String> env) {
        context.getPropertiesComponent().setLocation("classpath:application.properties");
        properties.forEach(context.getPropertiesComponent()::addOverrideProperty);
        return new Settings(context.getPropertiesComponent(), env);
    }

    private Path write(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "merchants", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
