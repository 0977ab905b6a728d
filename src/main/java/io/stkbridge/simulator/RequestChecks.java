package io.stkbridge.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Daraja's request validation, field by field in the order Daraja reports the first failure. */
final class RequestChecks {

    private static final Duration TIMESTAMP_TOLERANCE = Duration.ofMinutes(5);
    private static final Pattern PHONE = Pattern.compile("254[17]\\d{8}");
    private static final Pattern WHOLE_NUMBER = Pattern.compile("\\d{1,9}");
    private static final int MIN_AMOUNT = 1;
    private static final int MAX_AMOUNT = 250_000;
    private static final int MAX_ACCOUNT_REFERENCE = 12;
    private static final int MAX_TRANSACTION_DESC = 13;
    private static final Set<String> TRANSACTION_TYPES = Set.of(Merchant.PAYBILL, Merchant.BUY_GOODS);

    private final Settings settings;
    private final Clock clock;

    RequestChecks(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** BusinessShortCode, Timestamp and Password: shared by Push and Query. */
    Merchant authenticatedMerchant(JsonNode body) {
        String shortcode = Json.text(body, "BusinessShortCode");
        if (shortcode == null || shortcode.isBlank()) {
            throw DarajaError.invalidField("BusinessShortCode");
        }
        Merchant merchant = settings.merchant(shortcode);
        if (merchant == null) {
            throw DarajaError.merchantRefusal("Merchant does not exist");
        }
        String timestamp = Json.text(body, "Timestamp");
        if (!isCurrent(timestamp)) {
            throw DarajaError.invalidField("Timestamp");
        }
        if (!merchant.passwordFor(timestamp).equals(Json.text(body, "Password"))) {
            throw DarajaError.merchantRefusal("Wrong credentials");
        }
        return merchant;
    }

    PushRequest push(JsonNode body) {
        Merchant merchant = authenticatedMerchant(body);
        String transactionType = require(body, "TransactionType", TRANSACTION_TYPES::contains);
        int amount = amount(body.get("Amount")).orElseThrow(() -> DarajaError.invalidField("Amount"));
        String partyA = require(body, "PartyA", RequestChecks::isPhone);
        String partyB = require(body, "PartyB", value -> !value.isBlank());
        String phone = require(body, "PhoneNumber", RequestChecks::isPhone);
        String callbackUrl = require(body, "CallBackURL", RequestChecks::isHttpUrl);
        String accountReference = require(body, "AccountReference", value -> hasLength(value, MAX_ACCOUNT_REFERENCE));
        String transactionDesc = require(body, "TransactionDesc", value -> hasLength(value, MAX_TRANSACTION_DESC));
        return new PushRequest(merchant, transactionType, amount, partyA, partyB, phone, callbackUrl,
                accountReference, transactionDesc);
    }

    private boolean isCurrent(String timestamp) {
        return DarajaTime.parseTimestamp(timestamp)
                .map(sent -> Duration.between(sent, clock.instant()).abs().compareTo(TIMESTAMP_TOLERANCE) <= 0)
                .orElse(false);
    }

    private static String require(JsonNode body, String field, Predicate<String> valid) {
        String value = Json.text(body, field);
        if (value == null || !valid.test(value)) {
            throw DarajaError.invalidField(field);
        }
        return value;
    }

    /** A JSON integer or a string of digits; 1.0, 10.5 and "10.5" are refused as Daraja refuses decimals. */
    private static Optional<Integer> amount(JsonNode node) {
        long value;
        if (node != null && node.isIntegralNumber() && node.canConvertToLong()) {
            value = node.longValue();
        } else if (node != null && node.isTextual() && WHOLE_NUMBER.matcher(node.textValue()).matches()) {
            value = Long.parseLong(node.textValue());
        } else {
            return Optional.empty();
        }
        return value >= MIN_AMOUNT && value <= MAX_AMOUNT ? Optional.of((int) value) : Optional.empty();
    }

    private static boolean isPhone(String value) {
        return PHONE.matcher(value).matches();
    }

    private static boolean isHttpUrl(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            return uri.getHost() != null && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean hasLength(String value, int max) {
        return !value.isBlank() && value.length() <= max;
    }
}
