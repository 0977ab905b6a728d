package io.stkbridge.outcome;

/** What told us the outcome. */
public enum Source {
    VALIDATION, PUSH, CALLBACK, QUERY
}
