package io.stkbridge.testing;

import java.util.Map;

/**
 * The ledger a {@link TestStack} runs on, for test classes that run on both: the default embedded one (H2), or a fresh
 * schema on the test PostgreSQL (see {@link PostgresSchemas}: skipped without one, unless STK_REQUIRE_POSTGRES=true),
 * dropped on {@link #close()}, which is to follow the stack's.
 */
public final class StackLedger implements AutoCloseable {

    private final PostgresSchemas pg;

    private StackLedger(PostgresSchemas pg) {
        this.pg = pg;
    }

    public static StackLedger embedded() {
        return new StackLedger(null);
    }

    public static StackLedger postgres() {
        return new StackLedger(PostgresSchemas.createOrSkip());
    }

    /** The stack's properties for this ledger (none for the default). */
    public Map<String, String> properties() {
        return pg == null ? Map.of() : Map.of("stk.db.url", pg.appUrl(), "stk.db.user", pg.user());
    }

    /** Closes the stack first (its connections to the ledger), then drops the PostgreSQL schema, if any. */
    public void closeAfter(TestStack stack) throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            close();
        }
    }

    @Override
    public void close() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }
}
