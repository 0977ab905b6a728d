package io.stkbridge.ledger;

/**
 * The ledger contradicts itself (an index holds a row its table does not, as H2 files left by a killed process have):
 * nothing the intake decides from it can be trusted, so the intake stops instead of reading the same records for ever.
 */
public class LedgerInconsistentException extends IllegalStateException {

    public LedgerInconsistentException(String what) {
        super("the ledger is inconsistent: " + what + ". The intake stops: restore the ledger from a backup or rebuild "
                + "its indexes (H2: SCRIPT TO, then RUNSCRIPT FROM into a new file), then restart stk-bridge");
    }
}
