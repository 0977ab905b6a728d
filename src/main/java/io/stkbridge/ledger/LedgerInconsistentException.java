package io.stkbridge.ledger;

/**
 * The ledger contradicts itself (an index holds a row its table does not, as H2 files left by a killed process have):
 * nothing the intake decides from it can be trusted, so the intake stops instead of reading the same records for ever.
 */
public class LedgerInconsistentException extends IllegalStateException {

    private static final String REPAIR = "restore the ledger from a backup or rebuild its indexes (H2: SCRIPT TO, then "
            + "RUNSCRIPT FROM into a new file), then restart stk-bridge";

    public LedgerInconsistentException(String what) {
        super("the ledger is inconsistent: " + what + ". The intake stops: " + REPAIR);
    }

    private LedgerInconsistentException(String what, String consequence) {
        super("the ledger is inconsistent: " + what + ". " + consequence + REPAIR);
    }

    /** Found before the bridge starts: it does not start, rather than push again an intent whose attempt was lost. */
    public static LedgerInconsistentException atStartUp(String what) {
        return new LedgerInconsistentException(what, "stk-bridge does not start on it: ");
    }
}
