package io.stkbridge.ledger;

import io.stkbridge.outcome.Status;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Finds attempts for the support console: by any identifier, phone number, status and time, newest first, a page at a time. */
public class AttemptSearch {

    /**
     * What to look for; every part is optional and the given ones must all match.
     *
     * @param key   any identifier: order id, intent id, attempt id, CheckoutRequestID or receipt number
     * @param phone a normalized phone number ({@code 2547…}); also matched by {@code key} when the key is one
     */
    public record Criteria(Optional<String> key, Optional<String> orderId, Optional<String> intentId,
                           Optional<String> checkoutRequestId, Optional<String> receipt, Optional<String> phone,
                           Set<Status> statuses, Optional<OffsetDateTime> from, Optional<OffsetDateTime> to,
                           int page, int size) {
    }

    /** One page of attempts; {@code more} says whether a next page has any. */
    public record Page(List<Attempt> attempts, boolean more) {
    }

    private final Transactions transactions;

    public AttemptSearch(Transactions transactions) {
        this.transactions = transactions;
    }

    public Page search(Criteria criteria) {
        List<String> fragments = new ArrayList<>(List.of("attempt-select-columns", "attempt-search-where"));
        List<Object> parameters = new ArrayList<>();
        criteria.key().ifPresent(key -> {
            fragments.add("attempt-search-by-key");
            String phone = criteria.phone().orElse(key);
            Collections.addAll(parameters, key, key, key, key, key.toUpperCase(java.util.Locale.ROOT), phone);
        });
        filter(fragments, parameters, "attempt-search-by-order", criteria.orderId());
        filter(fragments, parameters, "attempt-search-by-intent", criteria.intentId());
        filter(fragments, parameters, "attempt-search-by-checkout", criteria.checkoutRequestId());
        filter(fragments, parameters, "attempt-search-by-receipt", criteria.receipt());
        if (criteria.key().isEmpty()) {
            filter(fragments, parameters, "attempt-search-by-phone", criteria.phone());
        }
        filter(fragments, parameters, "attempt-search-from", criteria.from());
        filter(fragments, parameters, "attempt-search-to", criteria.to());
        String sql = Sql.of(fragments.toArray(String[]::new));
        if (!criteria.statuses().isEmpty()) {
            sql += Sql.of("attempt-search-by-status").replace("{statuses}",
                    String.join(", ", Collections.nCopies(criteria.statuses().size(), "?")));
            criteria.statuses().forEach(status -> parameters.add(status.name()));
        }
        String statement = sql + Sql.of("attempt-search-page");
        parameters.add(criteria.size() + 1);
        parameters.add((long) criteria.page() * criteria.size());
        return transactions.inTransaction(connection -> {
            List<Attempt> found = Rows.select(connection, statement, AttemptLedger::attempt, parameters.toArray());
            boolean more = found.size() > criteria.size();
            return new Page(more ? found.subList(0, criteria.size()) : found, more);
        });
    }

    private static void filter(List<String> fragments, List<Object> parameters, String fragment, Optional<?> value) {
        value.ifPresent(v -> {
            fragments.add(fragment);
            parameters.add(v);
        });
    }
}
