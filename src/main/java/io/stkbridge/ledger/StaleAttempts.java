package io.stkbridge.ledger;

import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.TpsLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The sweeper's choices: which waiting attempts to query now. Each sweep claims, oldest first, as many attempts per
 * shortcode as its query rate allows until the next sweep (rate × interval), and each query then waits for its turn
 * under that rate: the configured per-shortcode rate is what reaches Daraja, however large the backlog.
 */
public class StaleAttempts {

    private static final Logger LOG = LoggerFactory.getLogger(StaleAttempts.class);

    private final AttemptLedger ledger;
    private final Merchants merchants;
    private final TpsLimiter queryRate;
    private final Duration sweepInterval;
    private final int batchSize;
    private final String instanceId;

    /**
     * @param batchSize most interrupted pushes closed, and most attempts looked at after the merchants' own claims, per
     *                  sweep (queries are bounded by the rate instead)
     */
    public StaleAttempts(AttemptLedger ledger, Merchants merchants, TpsLimiter queryRate, Duration sweepInterval,
                         int batchSize, String instanceId) {
        this.ledger = ledger;
        this.merchants = merchants;
        this.queryRate = queryRate;
        this.sweepInterval = sweepInterval;
        this.batchSize = batchSize;
        this.instanceId = instanceId;
    }

    /** Queries one sweep can send for a shortcode at its rate: a smaller claim would leave part of the rate unused. */
    int perSweep(String shortcode) {
        return (int) Math.max(1, Math.ceil(queryRate.perSecond(shortcode) * sweepInterval.toMillis() / 1000.0));
    }

    public List<Attempt> claimDue() {
        Map<String, Integer> claimedByShortcode = new HashMap<>();
        Predicate<Attempt> withinBudget = attempt -> {
            String shortcode = merchants.byName(attempt.merchant()).shortcode();
            int claimed = claimedByShortcode.getOrDefault(shortcode, 0);
            if (claimed >= perSweep(shortcode)) {
                return false;
            }
            claimedByShortcode.put(shortcode, claimed + 1);
            return true;
        };
        // merchant by merchant, so that one merchant's backlog never hides another's due attempts
        List<Attempt> due = new ArrayList<>();
        for (Merchant merchant : merchants.all()) {
            due.addAll(ledger.claimDueForQuery(merchant.name(), perSweep(merchant.shortcode()), instanceId,
                    attempt -> true, withinBudget));
        }
        // then whatever is left: attempts of merchants no longer configured are set aside there
        due.addAll(ledger.claimDueForQuery(batchSize, instanceId, attempt -> merchants.isConfigured(attempt.merchant()),
                withinBudget));
        if (!due.isEmpty()) {
            LOG.info("Querying Daraja for {} attempt(s) still waiting for their result", due.size());
        }
        return takingTurns(due);
    }

    /**
     * The claimed attempts, oldest first within each shortcode, the shortcodes taking turns: the sweep's threads then
     * wait for every shortcode's rate at once, instead of all waiting for the one with the oldest backlog.
     */
    private List<Attempt> takingTurns(List<Attempt> oldestFirst) {
        Map<String, ArrayDeque<Attempt>> byShortcode = new LinkedHashMap<>();
        oldestFirst.forEach(attempt -> byShortcode.computeIfAbsent(merchants.byName(attempt.merchant()).shortcode(),
                shortcode -> new ArrayDeque<>()).add(attempt));
        List<Attempt> turns = new ArrayList<>(oldestFirst.size());
        while (turns.size() < oldestFirst.size()) {
            byShortcode.values().stream().filter(queue -> !queue.isEmpty()).forEach(queue -> turns.add(queue.poll()));
        }
        return turns;
    }

    /** Attempts due for a query now, and how long this instance takes to query them all at its rate. */
    public record QueryBacklog(long attempts, double drainSeconds) {
    }

    /**
     * The backlog by shortcode, each drained at its own rate at once: the longest of them is the drain time. Attempts
     * of merchants no longer configured count in the backlog but are never queried, so not in the drain time.
     */
    public QueryBacklog queryBacklog() {
        Map<String, Long> dueByShortcode = new HashMap<>();
        long attempts = 0;
        for (Map.Entry<String, Long> due : ledger.dueForQueryByMerchant().entrySet()) {
            attempts += due.getValue();
            if (merchants.isConfigured(due.getKey())) {
                dueByShortcode.merge(merchants.byName(due.getKey()).shortcode(), due.getValue(), Long::sum);
            }
        }
        double drainSeconds = dueByShortcode.entrySet().stream()
                .mapToDouble(due -> due.getValue() / queryRate.perSecond(due.getKey())).max().orElse(0);
        return new QueryBacklog(attempts, drainSeconds);
    }

    /** Every query, the sweeper's and one forced over HTTP or Kafka, waits for its turn under the per-shortcode rate. */
    public void awaitQueryTurn(Attempt attempt) throws InterruptedException {
        queryRate.acquire(merchants.byName(attempt.merchant()).shortcode());
    }

    /** Whether this instance still holds the attempt (its claim renewed): only then is it queried. */
    public boolean stillHolds(Attempt attempt) {
        boolean held = ledger.renewQueryClaim(attempt.attemptId(), instanceId);
        if (!held) {
            LOG.info("Attempt {}: this instance's query claim lapsed before its turn; left to whoever holds it now",
                    attempt.attemptId());
        }
        return held;
    }

    public void closeInterruptedPushes() {
        int closed = ledger.closeInterruptedPushes(batchSize);
        if (closed > 0) {
            LOG.warn("{} attempt(s) still waiting for their push were decided: by a stored callback, else UNKNOWN (needs "
                    + "review) where the request had started longer ago than the callback wait; FAILED PUSH_FAILED (never "
                    + "sent) or DEFERRED again where it had never started", closed);
        }
    }
}
