package io.stkbridge.ledger;

/**
 * The ledger contradicts itself (an index holds a row its table does not, as H2 files left by a killed process have):
 * nothing decided from it can be trusted. Found at use, the intake stops instead of reading the same records for ever;
 * found at start-up ({@link LedgerConsistency}), stk-bridge does not start.
 */
public class LedgerInconsistentException extends IllegalStateException {

    public LedgerInconsistentException(String what) {
        this(what, "The intake stops");
    }

    private LedgerInconsistentException(String what, String consequence) {
        super("the ledger is inconsistent: " + what + ". " + consequence + ": restore the ledger from a backup or rebuild "
                + "its indexes (H2: SCRIPT TO, then RUNSCRIPT FROM into a new file), then restart stk-bridge");
    }

    /** Found before the bridge starts: it does not start, rather than push again an intent whose attempt was lost. */
    public static LedgerInconsistentException atStartUp(String what) {
        return new LedgerInconsistentException(what, "stk-bridge does not start on it");
    }
}
