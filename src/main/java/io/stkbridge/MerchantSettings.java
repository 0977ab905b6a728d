package io.stkbridge;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.stkbridge.daraja.AccountReferenceRule;
import io.stkbridge.daraja.Merchant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The merchants stk-bridge collects for: one from the {@code DARAJA_*} variables, or several from the YAML file named by
 * {@code STK_MERCHANTS_FILE}. The file holds no secret: each merchant names the environment variables that hold its
 * consumer key, consumer secret and passkey ({@code <VAR>_FILE} works for them as for every secret). Every problem is
 * reported to {@link Settings} with the key that has it, and never with a secret's value.
 */
final class MerchantSettings {

    static final Map<String, String> DARAJA_BASE_URLS = Map.of(
            Merchant.SANDBOX, "https://sandbox.safaricom.co.ke",
            Merchant.PRODUCTION, "https://api.safaricom.co.ke");
    /** Safaricom's published sandbox test shortcode and passkey: public, so never acceptable in production. */
    static final String SANDBOX_SHORTCODE = "174379";
    static final String SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

    static final String FILE = "STK_MERCHANTS_FILE";
    private static final Set<String> FIELDS = Set.of("name", "default", "environment", "shortcode", "transactionType",
            "partyB", "pushTps", "accountReferenceRule", "consumerKeyEnv", "consumerSecretEnv", "passkeyEnv",
            "passwordEnv", "timestampEnv");
    /** A constant AccountReference made M-Pesa statements unmatchable to orders: gone since ledger V6. */
    private static final String REMOVED_ACCOUNT_REFERENCE = "defaultAccountReference";
    private static final Pattern VARIABLE = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,12}");

    private final Settings settings;
    private final String baseUrlOverride;
    private final int defaultPushTps;

    /**
     * @param defaultPushTps DARAJA_PUSH_TPS_PER_SHORTCODE: the push rate of merchants that set no {@code pushTps}
     */
    MerchantSettings(Settings settings, int defaultPushTps) {
        this.settings = settings;
        this.baseUrlOverride = settings.optional("daraja.base-url").replaceAll("/+$", "");
        this.defaultPushTps = defaultPushTps;
    }

    /** The merchants, the default one first; empty or incomplete when a problem was reported. */
    List<Merchant> read() {
        String file = settings.optional("stk.merchants-file");
        if (file.isEmpty()) {
            return List.of(fromEnvironment());
        }
        if (!settings.optional("daraja.shortcode").isEmpty()) {
            settings.problem("DARAJA_SHORTCODE must not be set together with " + FILE
                    + " (the file lists the merchants; unset one of them)");
        }
        return fromFile(file);
    }

    // --- one merchant from DARAJA_* (the simple case)

    private Merchant fromEnvironment() {
        String environment = settings.optional("daraja.environment");
        if (!DARAJA_BASE_URLS.containsKey(environment)) {
            settings.problem("DARAJA_ENVIRONMENT must be " + Merchant.SANDBOX + " or " + Merchant.PRODUCTION
                    + " (DARAJA_BASE_URL may point elsewhere), not '" + environment + "'");
        }
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
        Merchant merchant = new Merchant(settings.optional("daraja.merchant-name"), shortcode,
                partyB.isEmpty() ? shortcode : partyB, type,
                accountReferenceRule(settings.optional("stk.account-reference-rule"), "STK_ACCOUNT_REFERENCE_RULE"),
                settings.secret("DARAJA_CONSUMER_KEY", true),
                settings.secret("DARAJA_CONSUMER_SECRET", true),
                passkey, password, timestamp, environment, baseUrl(environment), defaultPushTps);
        checkProduction(merchant, "DARAJA_ENVIRONMENT is production, but DARAJA_SHORTCODE",
                "DARAJA_ENVIRONMENT is production, but DARAJA_PASSKEY");
        return merchant;
    }

    // --- several merchants from the file

    private List<Merchant> fromFile(String file) {
        JsonNode root = parse(file);
        if (root == null) {
            return List.of();
        }
        JsonNode list = root.path("merchants");
        if (!root.isObject() || !list.isArray() || list.isEmpty()) {
            settings.problem(FILE + ": the file must be a mapping with a non-empty 'merchants' list");
            return List.of();
        }
        for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("merchants")) {
                settings.problem(FILE + ": unknown top-level key '" + key + "' (only 'merchants')");
            }
        }
        List<Merchant> merchants = new ArrayList<>();
        Map<String, String> whereByName = new LinkedHashMap<>();
        List<String> defaults = new ArrayList<>();
        Merchant defaultMerchant = null;
        for (int i = 0; i < list.size(); i++) {
            String where = "merchants[" + i + "]";
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                settings.problem(where + " must be a mapping of keys to values");
                continue;
            }
            Merchant merchant = merchant(node, where);
            String earlier = whereByName.putIfAbsent(merchant.name(), where);
            if (earlier != null && !merchant.name().isEmpty()) {
                settings.problem(where + ".name: '" + merchant.name() + "' is already the name of " + earlier);
            }
            if (isDefault(node, where)) {
                defaults.add(where);
                defaultMerchant = merchant;
            }
            merchants.add(merchant);
        }
        if (defaults.size() > 1) {
            settings.problem("merchants: only one merchant may say 'default: true', not " + String.join(", ", defaults));
        } else if (defaultMerchant != null) {
            merchants.remove(defaultMerchant);
            merchants.add(0, defaultMerchant);
        }
        return merchants;
    }

    private JsonNode parse(String file) {
        YAMLMapper yaml = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        String content;
        try {
            content = Files.readString(Path.of(file));
        } catch (IOException | RuntimeException e) {
            settings.problem(FILE + " names a file that cannot be read: " + file);
            return null;
        }
        try {
            JsonNode root = yaml.readTree(content);
            if (root == null || root.isMissingNode()) {
                settings.problem(FILE + ": the file is empty: " + file);
                return null;
            }
            return root;
        } catch (JsonProcessingException e) {
            // Only the position: a parser's message may quote the offending line, which could hold a secret.
            JsonLocation at = e.getLocation();
            settings.problem(FILE + ": not valid YAML, or a key given twice"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")") + ": " + file);
            return null;
        }
    }

    private Merchant merchant(JsonNode node, String where) {
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (key.equals(REMOVED_ACCOUNT_REFERENCE)) {
                settings.problem(where + "." + key + " is no longer used: AccountReference comes from the order id "
                        + "(accountReferenceRule: last12 or first12); remove it");
            } else if (!FIELDS.contains(key)) {
                settings.problem(looksLikeSecret(key)
                        ? where + "." + key + ": secrets are never written in the merchants file; name the environment "
                                + "variable that holds it instead (consumerKeyEnv, consumerSecretEnv, passkeyEnv, "
                                + "passwordEnv, timestampEnv), or its <VAR>_FILE"
                        : where + "." + key + ": unknown key (known: " + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String name = text(node, "name", where);
        if (name.isEmpty()) {
            settings.problem(where + ".name is required");
        } else if (!NAME.matcher(name).matches()) {
            settings.problem(where + ".name must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        String environment = text(node, "environment", where);
        if (!DARAJA_BASE_URLS.containsKey(environment)) {
            settings.problem(where + ".environment must be " + Merchant.SANDBOX + " or " + Merchant.PRODUCTION);
        }
        String shortcode = digits(node, "shortcode", where, true);
        String type = text(node, "transactionType", where);
        if (type.isEmpty()) {
            type = Merchant.PAY_BILL;
        } else if (!type.equals(Merchant.PAY_BILL) && !type.equals(Merchant.BUY_GOODS)) {
            settings.problem(where + ".transactionType must be " + Merchant.PAY_BILL + " or " + Merchant.BUY_GOODS);
        }
        String partyB = digits(node, "partyB", where, false);
        if (Merchant.BUY_GOODS.equals(type) && partyB.isEmpty()) {
            settings.problem(where + ".partyB (the till number) is required for " + Merchant.BUY_GOODS);
        }
        String rule = text(node, "accountReferenceRule", where);
        AccountReferenceRule accountReference = accountReferenceRule(
                rule.isEmpty() ? settings.optional("stk.account-reference-rule") : rule, where + ".accountReferenceRule");
        int pushTps = pushTps(node, where);

        String consumerKey = secret(node, "consumerKeyEnv", where, true);
        String consumerSecret = secret(node, "consumerSecretEnv", where, true);
        boolean fixedPassword = node.hasNonNull("passwordEnv");
        String password = secret(node, "passwordEnv", where, false);
        String timestamp = secret(node, "timestampEnv", where, fixedPassword);
        if (!fixedPassword && node.hasNonNull("timestampEnv")) {
            settings.problem(where + ".timestampEnv goes with passwordEnv (they are one pair)");
        }
        String passkey = secret(node, "passkeyEnv", where, !fixedPassword);
        Merchant merchant = new Merchant(name, shortcode, partyB.isEmpty() ? shortcode : partyB, type, accountReference,
                consumerKey, consumerSecret, passkey, password, timestamp, environment, baseUrl(environment), pushTps);
        checkProduction(merchant, where + ".shortcode", where + ".passkeyEnv");
        return merchant;
    }

    private AccountReferenceRule accountReferenceRule(String configured, String where) {
        return AccountReferenceRule.parse(configured).orElseGet(() -> {
            settings.problem(where + " must be last12 or first12, not '" + configured + "'");
            return AccountReferenceRule.LAST_12;
        });
    }

    private boolean isDefault(JsonNode node, String where) {
        JsonNode value = node.get("default");
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            settings.problem(where + ".default must be true or false");
            return false;
        }
        return value.booleanValue();
    }

    private int pushTps(JsonNode node, String where) {
        JsonNode value = node.get("pushTps");
        if (value == null || value.isNull()) {
            return defaultPushTps;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() < 1) {
            settings.problem(where + ".pushTps must be a whole number of at least 1");
            return defaultPushTps;
        }
        return value.intValue();
    }

    /** The value of the environment variable named by {@code field}; a missing variable is reported where it was named. */
    private String secret(JsonNode node, String field, String where, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                settings.problem(where + "." + field + " is required (the name of the environment variable that holds it)");
            }
            return "";
        }
        String variable = value.isValueNode() ? value.asText().trim() : "";
        if (!VARIABLE.matcher(variable).matches()) {
            // Not echoed: a secret pasted here by mistake must not reach the log.
            settings.problem(where + "." + field + " must name an environment variable (capital letters, digits and _;"
                    + " the value is not shown)");
            return "";
        }
        return settings.secretNamedBy(where + "." + field, variable);
    }

    private String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isValueNode()) {
            settings.problem(where + "." + field + " must be a single value, not a list or mapping");
            return "";
        }
        return value.asText().trim();
    }

    private String digits(JsonNode node, String field, String where, boolean required) {
        String value = text(node, field, where);
        if (value.isEmpty()) {
            if (required) {
                settings.problem(where + "." + field + " is required");
            }
        } else if (!DIGITS.matcher(value).matches()) {
            settings.problem(where + "." + field + " must be digits only");
        }
        return value;
    }

    private static boolean looksLikeSecret(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.contains("secret") || lower.contains("key") || lower.contains("pass") || lower.contains("token")
                || lower.contains("credential") || lower.equals("timestamp");
    }

    // --- environments

    private String baseUrl(String environment) {
        return baseUrlOverride.isEmpty() ? DARAJA_BASE_URLS.getOrDefault(environment, "") : baseUrlOverride;
    }

    /** Production refuses Safaricom's public sandbox test credentials. The problems name keys, never values. */
    private void checkProduction(Merchant merchant, String shortcodeKey, String passkeyKey) {
        if (!Merchant.PRODUCTION.equals(merchant.environment())) {
            return;
        }
        if (SANDBOX_SHORTCODE.equals(merchant.shortcode())) {
            settings.problem(shortcodeKey + " is Safaricom's public sandbox test shortcode, which production refuses");
        }
        if (SANDBOX_PASSKEY.equals(merchant.passkey())) {
            settings.problem(passkeyKey + " holds Safaricom's public sandbox test passkey, which production refuses");
        }
    }
}
