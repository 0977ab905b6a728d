package io.stkbridge.intent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.stkbridge.Correlation;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns one Kafka record into a {@link PaymentIntent}, or says precisely why it cannot be one. */
public class IntentReader {

    public static final String SCHEMA = "classpath:schema/payment-intent.schema.json";
    /** An intent is a few hundred bytes; anything this large is a mistake or an attack, not a payment. */
    static final int MAX_RECORD_CHARS = 64 * 1024;
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private final ObjectMapper mapper;
    private final JsonSchema schema;
    private final Merchants merchants;
    private final String defaultDescription;

    public IntentReader(ObjectMapper mapper, Merchants merchants, String defaultDescription) {
        this.mapper = mapper;
        this.merchants = merchants;
        this.defaultDescription = defaultDescription;
        this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of(SCHEMA));
    }

    public PaymentIntent read(String record) {
        Correlation.clear();
        ObjectNode intent = parse(record);
        Correlation.intent(intent.get("intentId").asText(), intent.get("orderId").asText());
        Set<ValidationMessage> violations = schema.validate(intent);
        if (!violations.isEmpty()) {
            throw new InvalidIntentException("INVALID_INTENT", intent,
                    violations.stream().map(ValidationMessage::getMessage).sorted().toList());
        }
        String phone = PhoneNumbers.normalize(intent.get("phoneNumber").asText())
                .orElseThrow(() -> new InvalidIntentException("INVALID_INTENT", intent,
                        List.of("$.phoneNumber: not a Safaricom mobile number (2547XXXXXXXX or 2541XXXXXXXX)")));
        Merchant merchant = merchants.find(text(intent, "merchant"))
                .orElseThrow(() -> new InvalidIntentException("UNKNOWN_MERCHANT", intent,
                        List.of("$.merchant: no configured merchant is named '" + intent.path("merchant").asText() + "'")));
        String orderId = intent.get("orderId").asText();
        return new PaymentIntent(
                intent.get("intentId").asText(),
                orderId,
                intent.get("amount").intValue(),
                phone,
                text(intent, "accountReference").orElse(merchant.accountReferenceRule().apply(orderId)),
                text(intent, "description").orElse(defaultDescription),
                text(intent, "transactionType").orElse(merchant.transactionType()),
                merchant.name(),
                intent.has("metadata") ? (ObjectNode) intent.get("metadata") : null,
                contentHash(intent),
                record);
    }

    /** What tells two deliveries of an intent apart: its id and content hash. */
    public record Identity(String intentId, String contentHash) {
    }

    /**
     * The intentId and content hash of a record, without validating it; empty when {@link #read} would find it
     * unreadable. Used to find the same intent twice in one batch before any of the batch is processed.
     */
    public Optional<Identity> identify(String record) {
        try {
            ObjectNode intent = parse(record);
            return Optional.of(new Identity(intent.get("intentId").asText(), contentHash(intent)));
        } catch (UnreadableIntentException unreadable) {
            return Optional.empty();
        }
    }

    private ObjectNode parse(String record) {
        if (record != null && record.length() > MAX_RECORD_CHARS) {
            throw new UnreadableIntentException("record larger than " + MAX_RECORD_CHARS / 1024 + " KiB");
        }
        JsonNode node;
        try {
            node = record == null ? null : mapper.readTree(record);
        } catch (JsonProcessingException e) {
            throw new UnreadableIntentException("not JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode intent)) {
            throw new UnreadableIntentException("not a JSON object");
        }
        if (!identifiable(intent.get("intentId")) || !identifiable(intent.get("orderId"))) {
            throw new UnreadableIntentException("intentId and orderId must be non-empty strings of at most 128 characters");
        }
        return intent;
    }

    private static boolean identifiable(JsonNode id) {
        return id != null && id.isTextual() && !id.asText().isBlank() && id.asText().length() <= 128
                && id.asText().chars().noneMatch(Character::isISOControl);
    }

    private static Optional<String> text(JsonNode intent, String field) {
        JsonNode value = intent.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }

    public static String contentHash(JsonNode intent) {
        try {
            Object canonical = CANONICAL.treeToValue(intent, Object.class);
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(CANONICAL.writeValueAsString(canonical).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
