package io.stkbridge.ledger;

import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import io.stkbridge.daraja.TpsLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The sweeper's choices: which waiting attempts to query now. Each sweep tops up, oldest first, a queue per shortcode to
 * as many attempts as its query rate allows until the next sweep and a second more (rate × (interval + headroom)), and
 * each query then waits for its turn under that rate: the configured per-shortcode rate is what reaches Daraja, however
 * large the backlog, without a gap while the next sweep claims. The rate is shared by every instance on a PostgreSQL
 * ledger ({@link TpsLimiter#shared}), and forced queries take their turns ahead of the sweep's.
 */
public class StaleAttempts {

    private static final Logger LOG = LoggerFactory.getLogger(StaleAttempts.class);

    private final AttemptLedger ledger;
    private final Merchants merchants;
    private final TpsLimiter queryRate;
    private final Duration sweepInterval;
    private final Duration headroom;
    private final int batchSize;
    private final String instanceId;
    /** Claimed by this instance's sweeps and not yet given their turn, by shortcode. */
    private final Map<String, AtomicInteger> queued = new ConcurrentHashMap<>();

    /**
     * @param headroom  how long past the next sweep each shortcode's queue lasts at its rate: the next sweep tops it up
     *                  before it runs dry, so the time a claim takes is not a gap in the rate
     * @param batchSize most interrupted pushes closed, and most attempts looked at after the merchants' own claims, per
     *                  sweep (queries are bounded by the rate instead)
     */
    public StaleAttempts(AttemptLedger ledger, Merchants merchants, TpsLimiter queryRate, Duration sweepInterval,
                         Duration headroom, int batchSize, String instanceId) {
        this.ledger = ledger;
        this.merchants = merchants;
        this.queryRate = queryRate;
        this.sweepInterval = sweepInterval;
        this.headroom = headroom;
        this.batchSize = batchSize;
        this.instanceId = instanceId;
    }

    /**
     * What a shortcode's queue holds after a sweep: its queries until the next sweep and the headroom. A smaller claim
     * would leave part of the rate unused; a larger one would hold claims long before their turn.
     */
    int queueTarget(String shortcode) {
        return (int) Math.max(1, Math.ceil(queryRate.perSecond(shortcode)
                * (sweepInterval.toMillis() + headroom.toMillis()) / 1000.0));
    }

    private AtomicInteger queued(String shortcode) {
        return queued.computeIfAbsent(shortcode, key -> new AtomicInteger());
    }

    /**
     * This sweep's claims, oldest first within each merchant, topping each shortcode's queue up to its
     * {@linkplain #queueTarget target}. Merchants sharing a shortcode share its budget fairly: each first gets an equal
     * part of it, then what some of them left unused goes to the others, so one merchant's backlog never starves
     * another's few attempts. Merchants on different shortcodes have budgets of their own.
     */
    public List<Attempt> claimDue() {
        long started = System.nanoTime();
        Map<String, Integer> budgetByShortcode = new HashMap<>();
        Map<String, Integer> merchantsByShortcode = new HashMap<>();
        for (Merchant merchant : merchants.all()) {
            budgetByShortcode.put(merchant.shortcode(),
                    Math.max(0, queueTarget(merchant.shortcode()) - queued(merchant.shortcode()).get()));
            merchantsByShortcode.merge(merchant.shortcode(), 1, Integer::sum);
        }
        Map<String, Integer> leftByShortcode = new HashMap<>(budgetByShortcode);
        Predicate<Attempt> withinBudget = attempt -> {
            String shortcode = merchants.byName(attempt.merchant()).shortcode();
            int left = leftByShortcode.getOrDefault(shortcode, 0);
            if (left <= 0) {
                return false;
            }
            leftByShortcode.put(shortcode, left - 1);
            return true;
        };
        List<Attempt> due = new ArrayList<>();
        // first an equal share each, then the rest of each shortcode's budget to whoever still has attempts due
        for (Merchant merchant : merchants.all()) {
            int share = (int) Math.ceil((double) budgetByShortcode.get(merchant.shortcode())
                    / merchantsByShortcode.get(merchant.shortcode()));
            if (share == 0) {
                continue;
            }
            due.addAll(ledger.claimDueForQuery(merchant.name(), share, instanceId, attempt -> true, withinBudget));
        }
        for (Merchant merchant : merchants.all()) {
            int left = leftByShortcode.get(merchant.shortcode());
            if (left > 0) {
                due.addAll(ledger.claimDueForQuery(merchant.name(), left, instanceId, attempt -> true, withinBudget));
            }
        }
        // then whatever is left: attempts of merchants no longer configured are set aside there
        due.addAll(ledger.claimDueForQuery(batchSize, instanceId, attempt -> merchants.isConfigured(attempt.merchant()),
                withinBudget));
        // counted once every claim has committed: a claim that failed (its transaction rolled back) queues nothing
        due.forEach(attempt -> queued(merchants.byName(attempt.merchant()).shortcode()).incrementAndGet());
        if (!due.isEmpty()) {
            LOG.info("Queued {} attempt(s) still waiting for their result for STK Query (claimed in {} ms; {} queued in all)",
                    due.size(), (System.nanoTime() - started) / 1_000_000,
                    queued.values().stream().mapToInt(AtomicInteger::get).sum());
        }
        return takingTurns(due);
    }

    /**
     * The claimed attempts, oldest first within each merchant, the merchants taking turns: the sweep's threads then
     * wait for every shortcode's rate at once, instead of all waiting for the one with the oldest backlog, and no
     * merchant's queries wait behind another's.
     */
    private List<Attempt> takingTurns(List<Attempt> claimed) {
        Map<String, List<Attempt>> byMerchant = new LinkedHashMap<>();
        claimed.forEach(attempt -> byMerchant.computeIfAbsent(attempt.merchant(), merchant -> new ArrayList<>()).add(attempt));
        List<ArrayDeque<Attempt>> queues = byMerchant.values().stream().map(attempts -> new ArrayDeque<>(
                attempts.stream().sorted(Comparator.comparing(Attempt::createdAt).thenComparing(Attempt::attemptId)).toList()))
                .toList();
        List<Attempt> turns = new ArrayList<>(claimed.size());
        while (turns.size() < claimed.size()) {
            queues.stream().filter(queue -> !queue.isEmpty()).forEach(queue -> turns.add(queue.poll()));
        }
        return turns;
    }

    /**
     * Attempts due for a query now, and how long it takes to query them all at the configured rate (every instance's
     * share of it together, when the rate is shared).
     */
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

    /**
     * A query forced over HTTP or Kafka waits for its turn under the per-shortcode rate, reserved ahead of every sweep
     * query still waiting (on any instance when the rate is shared): it never waits behind a sweep's budget.
     */
    public void awaitQueryTurn(Attempt attempt) throws InterruptedException {
        queryRate.acquire(merchants.byName(attempt.merchant()).shortcode());
    }

    /**
     * Whether a claimed attempt is to be queried now: this instance still holds it (its claim renewed: a callback that
     * came meanwhile, or a claim that lapsed, leaves it alone) and its turn under the rate has come, one that no forced
     * query reserved. The claim is renewed before the wait, so nothing but the request itself lies between the turn and
     * Daraja: the queries arrive as evenly spaced as the turns.
     */
    public boolean takeSweepTurn(Attempt attempt) throws InterruptedException {
        String shortcode = merchants.byName(attempt.merchant()).shortcode();
        try {
            if (!ledger.renewQueryClaim(attempt.attemptId(), instanceId)) {
                LOG.info("Attempt {}: this instance's query claim lapsed, or the attempt was decided, before its turn; "
                        + "left alone", attempt.attemptId());
                return false;
            }
            queryRate.acquireSpare(shortcode);
            return true;
        } finally {
            queued(shortcode).decrementAndGet();
        }
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
