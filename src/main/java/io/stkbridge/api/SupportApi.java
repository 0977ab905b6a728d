package io.stkbridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.stkbridge.daraja.StkPassword;
import io.stkbridge.intent.PhoneNumbers;
import io.stkbridge.ledger.Attempt;
import io.stkbridge.ledger.AttemptHistory;
import io.stkbridge.ledger.AttemptNotFoundException;
import io.stkbridge.ledger.AttemptSearch;
import io.stkbridge.ledger.LedgerSummary;
import io.stkbridge.ledger.StaleAttempts;
import io.stkbridge.ledger.PhoneAccess;
import io.stkbridge.outcome.Status;
import org.apache.camel.Body;
import org.apache.camel.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The support console's API: turns HTTP query parameters into ledger look-ups and ledger records into JSON documents
 * (times in East Africa Time with their offset, amounts in KES). Phone numbers leave masked, in raw documents too: the
 * full number only through {@link #reveal}, and a search by phone number is recorded (both in {@link PhoneAccess}). Bad
 * parameters get a {@link BadApiRequestException} that says what is wrong.
 */
public class SupportApi {

    public static class BadApiRequestException extends RuntimeException {
        public BadApiRequestException(String message) {
            super(message);
        }
    }

    static final int DEFAULT_PAGE_SIZE = 25;
    static final int MAX_PAGE_SIZE = 100;
    private static final Duration DEFAULT_SUMMARY_RANGE = Duration.ofHours(24);
    private static final Duration MAX_SUMMARY_RANGE = Duration.ofDays(31);
    private static final int MAX_KEY_LENGTH = 128;
    private static final Logger LOG = LoggerFactory.getLogger(SupportApi.class);
    /** Fields that hold a phone number whatever it looks like (the intent's as the customer typed it; the push's PartyA). */
    private static final Pattern PHONE_FIELD = Pattern.compile("(?i).*(phone|msisdn).*|PartyA");

    private final AttemptSearch search;
    private final AttemptHistory history;
    private final LedgerSummary summary;
    private final PhoneAccess phoneAccess;
    private final Supplier<StaleAttempts.QueryBacklog> queryBacklog;
    private final ObjectMapper mapper;
    private final Clock clock;

    /** @param queryBacklog attempts due for a query now, and how long the configured rate takes to query them */
    public SupportApi(AttemptSearch search, AttemptHistory history, LedgerSummary summary, PhoneAccess phoneAccess,
                      Supplier<StaleAttempts.QueryBacklog> queryBacklog, ObjectMapper mapper, Clock clock) {
        this.search = search;
        this.history = history;
        this.summary = summary;
        this.phoneAccess = phoneAccess;
        this.queryBacklog = queryBacklog;
        this.mapper = mapper;
        this.clock = clock;
    }

    /** GET /api/attempts: {@code q} (any identifier or a phone number), orderId, intentId, checkoutRequestId, receipt, phone, status, from, to, page, size. */
    public Map<String, Object> search(@Headers Map<String, Object> parameters, @Body ApiAccess.Principal principal) {
        AttemptSearch.Criteria criteria = criteria(parameters);
        AttemptSearch.Page found = search.search(criteria);
        if (criteria.phone().isPresent()) {
            String masked = PhoneNumbers.mask(criteria.phone().get());
            phoneAccess.searched(found.attempts().stream().map(Attempt::attemptId).toList(), criteria.phone().get(), principal.name());
            LOG.info("Search for phone {} by {}: {} attempts shown", masked, principal.name(), found.attempts().size());
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("page", criteria.page());
        page.put("size", criteria.size());
        page.put("more", found.more());
        page.put("attempts", found.attempts().stream().map(this::attempt).toList());
        return page;
    }

    /** GET /api/attempts/{id}: the attempt (by attempt id or CheckoutRequestID) and its timeline, oldest first. */
    public Map<String, Object> attempt(String id) {
        AttemptHistory.History found = history.of(limited(id, "id"))
                .orElseThrow(() -> new AttemptNotFoundException("no attempt " + id));
        Map<String, Object> view = attempt(found.attempt());
        view.put("resolvedAt", eat(found.resolvedAt()));
        view.put("queryCount", found.queryCount());
        view.put("darajaRequestId", found.darajaRequestId());
        view.put("nextQueryAt", found.attempt().status() == Status.ACCEPTED ? eat(found.nextQueryAt()) : null);
        view.put("nextPushAt", found.attempt().status() == Status.DEFERRED ? eat(found.nextPushAt()) : null);
        view.put("timeline", timeline(found));
        return view;
    }

    /** POST /api/attempts/{id}/reveal: the attempt's full phone number, recorded as shown to the caller. */
    public Map<String, Object> reveal(String id, ApiAccess.Principal principal) {
        PhoneAccess.Revealed revealed = phoneAccess.reveal(limited(id, "id"), principal.name())
                .orElseThrow(() -> new AttemptNotFoundException("no attempt " + id));
        LOG.info("Phone number of attempt {} shown to {}", revealed.attempt().attemptId(), principal.name());
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("attemptId", revealed.attempt().attemptId());
        view.put("phoneNumber", revealed.phoneNumber());
        view.put("revealedTo", principal.name());
        view.put("revealedAt", eat(revealed.at()));
        return view;
    }

    /** GET /api/summary: counts by status and reason for attempts created in [from, to) (default: the last 24 hours). */
    public Map<String, Object> summary(@Headers Map<String, Object> parameters) {
        OffsetDateTime to = time(parameters, "to", true).orElse(OffsetDateTime.now(clock));
        OffsetDateTime from = time(parameters, "from", false).orElse(to.minus(DEFAULT_SUMMARY_RANGE));
        if (!from.isBefore(to)) {
            throw new BadApiRequestException("from must be before to");
        }
        if (Duration.between(from, to).compareTo(MAX_SUMMARY_RANGE) > 0) {
            throw new BadApiRequestException("a summary covers at most 31 days");
        }
        LedgerSummary.Summary counted = summary.over(from, to);
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (Status status : Status.values()) {
            byStatus.put(status.name(), 0L);
        }
        List<Map<String, Object>> byReason = new ArrayList<>();
        for (LedgerSummary.Count count : counted.counts()) {
            byStatus.merge(count.status().name(), count.count(), Long::sum);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("status", count.status().name());
            row.put("reason", count.reason());
            row.put("count", count.count());
            byReason.add(row);
        }
        byReason.sort(Comparator.comparing((Map<String, Object> row) -> (Long) row.get("count")).reversed());
        Map<OffsetDateTime, Map<String, Object>> hours = new java.util.TreeMap<>();
        for (LedgerSummary.HourCount hour : counted.outcomesByHour()) {
            Map<String, Object> point = hours.computeIfAbsent(hour.hour(), h -> {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("hour", eat(h));
                return p;
            });
            point.merge(hour.status().name(), hour.count(), (a, b) -> (Long) a + (Long) b);
        }
        Map<String, Object> waiting = new LinkedHashMap<>();
        waiting.put("olderThanSeconds", summary.sweepDelay().toSeconds());
        waiting.put("count", counted.waitingBeyondSweep());
        waiting.put("oldest", counted.oldestWaiting().stream().map(w -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("attemptId", w.attemptId());
            row.put("orderId", w.orderId());
            row.put("status", w.status().name());
            row.put("createdAt", eat(w.createdAt()));
            row.put("ageSeconds", Duration.between(w.createdAt(), OffsetDateTime.now(clock)).toSeconds());
            return row;
        }).toList());
        // now, whatever the period: what the sweeper still has to query, and how long that takes at the configured rate
        StaleAttempts.QueryBacklog backlog = queryBacklog.get();
        Map<String, Object> queries = new LinkedHashMap<>();
        queries.put("attempts", backlog.attempts());
        queries.put("drainSeconds", (long) Math.ceil(backlog.drainSeconds()));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("from", eat(from));
        view.put("to", eat(to));
        view.put("total", byStatus.values().stream().mapToLong(Long::longValue).sum());
        view.put("byStatus", byStatus);
        view.put("byReason", byReason);
        view.put("waitingBeyondSweep", waiting);
        view.put("queryBacklog", queries);
        view.put("outcomesByHour", new ArrayList<>(hours.values()));
        return view;
    }

    /** GET /api/me: who the console is signed in as, so it shows only what the role may do. */
    public Map<String, Object> me(ApiAccess.Principal principal) {
        boolean operator = principal.role() == ApiAccess.Role.OPERATOR;
        return Map.of("name", principal.name(), "role", principal.role().name(), "mayQuery", operator, "mayReveal", operator);
    }

    /** {@code {"error": message}} for a refused request. */
    public String errorDocument(String message) {
        return mapper.createObjectNode().put("error", message).toString();
    }

    AttemptSearch.Criteria criteria(Map<String, Object> parameters) {
        Optional<String> key = text(parameters, "q");
        Optional<String> phone = text(parameters, "phone").map(typed -> PhoneNumbers.normalize(typed)
                .orElseThrow(() -> new BadApiRequestException("phone is not a Kenyan mobile number")));
        if (key.isPresent() && phone.isEmpty()) {
            phone = PhoneNumbers.normalize(key.get());
        }
        Set<Status> statuses = EnumSet.noneOf(Status.class);
        for (String status : text(parameters, "status").map(s -> s.split(",")).orElse(new String[0])) {
            try {
                statuses.add(Status.valueOf(status.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new BadApiRequestException("status must be one or more of " + List.of(Status.values()));
            }
        }
        int size = number(parameters, "size", DEFAULT_PAGE_SIZE);
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw new BadApiRequestException("size must be between 1 and " + MAX_PAGE_SIZE);
        }
        int page = number(parameters, "page", 0);
        if (page < 0 || page > 10_000) {
            throw new BadApiRequestException("page must be between 0 and 10000");
        }
        Optional<OffsetDateTime> from = time(parameters, "from", false);
        Optional<OffsetDateTime> to = time(parameters, "to", true);
        return new AttemptSearch.Criteria(key, text(parameters, "orderId"), text(parameters, "intentId"),
                text(parameters, "checkoutRequestId"), text(parameters, "receipt").map(r -> r.toUpperCase(Locale.ROOT)),
                phone, statuses, from, to, page, size);
    }

    private Map<String, Object> attempt(Attempt attempt) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("attemptId", attempt.attemptId());
        view.put("intentId", attempt.intentId());
        view.put("orderId", attempt.orderId());
        view.put("merchant", attempt.merchant());
        view.put("status", attempt.status().name());
        view.put("final", attempt.status().isFinal());
        view.put("reason", attempt.reason());
        view.put("retryable", attempt.retryable());
        view.put("resultCode", attempt.resultCode());
        view.put("resultDesc", PhoneNumbers.maskIn(attempt.resultDesc()));
        view.put("source", attempt.source());
        view.put("amount", attempt.amount());
        view.put("currency", "KES");
        view.put("phoneNumberMasked", attempt.phoneNumber() == null ? null : PhoneNumbers.mask(attempt.phoneNumber()));
        view.put("accountReference", attempt.accountReference());
        view.put("transactionType", attempt.transactionType());
        view.put("merchantRequestId", attempt.merchantRequestId());
        view.put("checkoutRequestId", attempt.checkoutRequestId());
        view.put("mpesaReceiptNumber", attempt.mpesaReceiptNumber());
        view.put("transactionDate", attempt.transactionDate());
        view.put("corrected", attempt.corrected());
        view.put("createdAt", eat(attempt.createdAt()));
        view.put("updatedAt", eat(attempt.updatedAt()));
        return view;
    }

    private List<Map<String, Object>> timeline(AttemptHistory.History found) {
        Attempt attempt = found.attempt();
        List<Map<String, Object>> entries = new ArrayList<>();
        entries.add(entry(attempt.createdAt(), "INTENT_RECEIVED", "Payment intent received", json(found.intentJson())));
        if (found.pushRequestJson() != null) {
            entries.add(entry(attempt.createdAt(), "PUSH_REQUEST", "STK Push sent to Daraja (password and callback token removed)",
                    json(found.pushRequestJson())));
        }
        if (found.deferredSince() != null) {
            entries.add(entry(found.deferredSince(), "PUSH_DEFERRED", "Daraja unavailable: push deferred", null));
        }
        if (found.pushAnsweredAt() != null) {
            Object answer = json(found.pushAnswer());
            if (answer == null) {                         // accepted before the raw answer was kept (ledger V5)
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("MerchantRequestID", attempt.merchantRequestId());
                fields.put("CheckoutRequestID", attempt.checkoutRequestId());
                fields.put("ResponseCode", "0");
                answer = fields;
            }
            Map<String, Object> entry = entry(found.pushAnsweredAt(), "PUSH_ACCEPTED",
                    "Daraja accepted the push: customer prompted", answer);
            entry.put("httpStatus", found.pushAnswerStatus());
            entry.put("darajaRequestId", found.darajaRequestId());
            entries.add(entry);
        } else if ("PUSH".equals(attempt.source()) && attempt.status().isFinal()) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("resultCode", attempt.resultCode());
            answer.put("resultDesc", PhoneNumbers.maskIn(attempt.resultDesc()));
            if (found.pushAnswer() != null) {
                answer.put("answer", json(found.pushAnswer()));      // as Daraja sent it (an HTML page stays text)
            }
            Map<String, Object> entry = entry(found.resolvedAt(), "PUSH_ANSWER", "Push ended: " + attempt.reason(), answer);
            entry.put("httpStatus", found.pushAnswerStatus());
            entry.put("darajaRequestId", found.darajaRequestId());
            entries.add(entry);
        }
        for (AttemptHistory.Callback callback : found.callbacks()) {
            Map<String, Object> entry = entry(callback.receivedAt(), "CALLBACK",
                    "Callback from Daraja, ResultCode " + callback.resultCode() + " (" + callback.disposition() + ")",
                    json(callback.rawBody()));
            entry.put("disposition", callback.disposition());
            entries.add(entry);
        }
        for (AttemptHistory.Query query : found.queries()) {
            Map<String, Object> entry = entry(query.requestedAt(), "QUERY",
                    "STK Query (" + query.trigger() + "): " + query.interpretation(), json(query.answer()));
            entry.put("httpStatus", query.httpStatus());
            entry.put("interpretation", query.interpretation());
            entry.put("trigger", query.trigger());
            entries.add(entry);
        }
        for (PhoneAccess.Access access : found.phoneAccess()) {
            boolean reveal = access.kind() == PhoneAccess.Kind.REVEAL;
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("by", access.by());
            detail.put("phoneNumber", access.phoneMasked());
            Map<String, Object> entry = entry(access.at(), reveal ? "PHONE_REVEALED" : "PHONE_SEARCH",
                    reveal ? "Full phone number shown to " + access.by()
                            : "Found by " + access.by() + " searching for phone " + access.phoneMasked(), detail);
            entry.put("by", access.by());
            entries.add(entry);
        }
        for (AttemptHistory.Event event : found.events()) {
            JsonNode payload = (JsonNode) json(event.payload());
            boolean correction = payload != null && payload.path("correction").asBoolean(false);
            boolean receipt = payload != null && payload.hasNonNull("receiptFor");
            String title = correction ? "Correction published: " + payload.path("status").asText()
                    : receipt ? "Receipt published: " + payload.path("mpesaReceiptNumber").asText()
                    : "Outcome event: " + payload.path("status").asText();
            Map<String, Object> entry = entry(event.occurredAt(), correction ? "CORRECTION" : receipt ? "RECEIPT_EVENT" : "OUTCOME_EVENT",
                    title + (event.publishedAt() == null ? " (waiting to be published)" : ""), payload);
            entry.put("eventId", event.eventId());
            entry.put("publishedAt", eat(event.publishedAt()));
            entries.add(entry);
        }
        entries.sort(Comparator.comparing(e -> (OffsetDateTime) e.get("at"), Comparator.nullsLast(Comparator.naturalOrder())));
        entries.forEach(e -> e.put("at", eat((OffsetDateTime) e.get("at"))));
        return entries;
    }

    private static Map<String, Object> entry(OffsetDateTime at, String kind, String title, Object detail) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", at);
        entry.put("kind", kind);
        entry.put("title", title);
        entry.put("detail", detail);
        return entry;
    }

    /** Stored JSON as JSON; anything else (an HTML error page, say) as text; phone numbers masked in both. */
    private Object json(String stored) {
        if (stored == null) {
            return null;
        }
        JsonNode document;
        try {
            document = mapper.readTree(stored);
        } catch (Exception e) {
            return PhoneNumbers.maskIn(stored);
        }
        return document == null ? null : masked(document);
    }

    /**
     * A copy with every phone number masked: in fields named for one, in a CallbackMetadata item named PhoneNumber, and
     * wherever a Kenyan mobile number is written (a number in a ResultDesc, say).
     */
    private JsonNode masked(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = mapper.createObjectNode();
            boolean phoneItem = PHONE_FIELD.matcher(node.path("Name").asText()).matches();
            node.fields().forEachRemaining(field -> copy.set(field.getKey(),
                    PHONE_FIELD.matcher(field.getKey()).matches() || (phoneItem && field.getKey().equals("Value"))
                            ? maskedPhone(field.getValue()) : masked(field.getValue())));
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = mapper.createArrayNode();
            node.forEach(element -> copy.add(masked(element)));
            return copy;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(PhoneNumbers.maskIn(node.asText()));
        }
        if (node.isIntegralNumber() && PhoneNumbers.normalize(node.asText()).isPresent()) {
            return TextNode.valueOf(PhoneNumbers.mask(PhoneNumbers.normalize(node.asText()).get()));
        }
        return node;
    }

    private JsonNode maskedPhone(JsonNode value) {
        if (value.isNull() || value.isContainerNode()) {
            return masked(value);
        }
        String text = value.asText();
        return TextNode.valueOf(PhoneNumbers.mask(PhoneNumbers.normalize(text).orElse(text)));
    }

    private static final DateTimeFormatter EAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    /** ISO-8601 in East Africa Time with milliseconds, e.g. {@code 2026-11-23T21:40:05.123+03:00}. */
    static String eat(OffsetDateTime time) {
        return time == null ? null : EAT.format(time.atZoneSameInstant(StkPassword.NAIROBI));
    }

    private static Optional<String> text(Map<String, Object> parameters, String name) {
        Object value = parameters.get(name);
        if (value instanceof List<?> list) {
            value = list.isEmpty() ? null : list.get(0);
        }
        String text = value == null ? "" : value.toString().trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(limited(text, name));
    }

    private static String limited(String text, String name) {
        if (text.length() > MAX_KEY_LENGTH) {
            throw new BadApiRequestException(name + " is longer than " + MAX_KEY_LENGTH + " characters");
        }
        return text;
    }

    private static int number(Map<String, Object> parameters, String name, int otherwise) {
        Optional<String> text = text(parameters, name);
        try {
            return text.map(Integer::parseInt).orElse(otherwise);
        } catch (NumberFormatException e) {
            throw new BadApiRequestException(name + " must be a whole number");
        }
    }

    /** An ISO-8601 instant with offset, or a date meaning that day in EAT (the start of it for from, the end for to). */
    private static Optional<OffsetDateTime> time(Map<String, Object> parameters, String name, boolean endOfDay) {
        Optional<String> text = text(parameters, name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text.get()));
        } catch (DateTimeParseException notInstant) {
            try {
                LocalDate day = LocalDate.parse(text.get());
                return Optional.of((endOfDay ? day.plusDays(1) : day).atStartOfDay(StkPassword.NAIROBI).toOffsetDateTime());
            } catch (DateTimeParseException notDate) {
                throw new BadApiRequestException(name + " must be a date (2026-11-23) or a time with offset (2026-11-23T09:00:00+03:00)");
            }
        }
    }
}
