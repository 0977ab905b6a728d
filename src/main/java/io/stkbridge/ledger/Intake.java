package io.stkbridge.ledger;

/** What the ledger decided for an intent read from Kafka: push it now, or nothing to do (a redelivery). */
public record Intake(Attempt attempt, boolean pushNow) {
}
