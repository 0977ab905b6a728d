package io.stkbridge.ledger;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * When an accepted attempt is queried: first after {@code firstDelay} (the callback usually comes before), then with
 * exponential backoff from {@code retryBase} up to {@code retryMax}. An attempt still without a result becomes UNKNOWN
 * only once both {@code giveUpAfter} has passed since acceptance and it was queried at least {@code minTries} times
 * without a result (pending, an error answer, no answer): time alone never decides, since a sweeper that was stopped or
 * too busy to reach it has not asked. {@code lease} bounds how long one sweeper holds an attempt.
 */
public record QuerySchedule(Duration firstDelay, Duration retryBase, Duration retryMax, Duration giveUpAfter, Duration lease,
                            int minTries) {

    public OffsetDateTime firstQueryAt(OffsetDateTime acceptedAt) {
        return acceptedAt.plus(firstDelay);
    }

    public OffsetDateTime giveUpAt(OffsetDateTime acceptedAt) {
        return acceptedAt.plus(giveUpAfter);
    }

    /** Whether an attempt still without a result after {@code tries} queries is given up (UNKNOWN). */
    public boolean givesUp(OffsetDateTime giveUpAt, int tries, OffsetDateTime now) {
        return giveUpAt != null && !now.isBefore(giveUpAt) && tries >= minTries;
    }

    /** After the {@code queriesSoFar}-th unanswered query. */
    public OffsetDateTime nextQueryAt(int queriesSoFar, OffsetDateTime now) {
        long factor = 1L << Math.min(queriesSoFar, 20);
        Duration delay = retryBase.multipliedBy(factor);
        return now.plus(delay.compareTo(retryMax) > 0 ? retryMax : delay);
    }
}
