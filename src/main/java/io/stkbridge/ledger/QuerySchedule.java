package io.stkbridge.ledger;

import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * When an accepted attempt is queried: first after {@code firstDelay} (the callback usually comes before), then with
 * exponential backoff from {@code retryBase} up to {@code retryMax}, until {@code giveUpAfter} past acceptance, when an
 * attempt still without a result becomes UNKNOWN. {@code lease} bounds how long one sweeper holds an attempt.
 */
public record QuerySchedule(Duration firstDelay, Duration retryBase, Duration retryMax, Duration giveUpAfter, Duration lease) {

    public OffsetDateTime firstQueryAt(OffsetDateTime acceptedAt) {
        return acceptedAt.plus(firstDelay);
    }

    public OffsetDateTime giveUpAt(OffsetDateTime acceptedAt) {
        return acceptedAt.plus(giveUpAfter);
    }

    /** After the {@code queriesSoFar}-th unanswered query. */
    public OffsetDateTime nextQueryAt(int queriesSoFar, OffsetDateTime now) {
        long factor = 1L << Math.min(queriesSoFar, 20);
        Duration delay = retryBase.multipliedBy(factor);
        return now.plus(delay.compareTo(retryMax) > 0 ? retryMax : delay);
    }
}
