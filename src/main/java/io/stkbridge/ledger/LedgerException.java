package io.stkbridge.ledger;

import java.sql.SQLException;

/** The ledger could not be read or written; the intent is not committed on Kafka and will be processed again. */
public class LedgerException extends RuntimeException {

    public LedgerException(SQLException cause) {
        super("ledger unavailable: " + cause.getMessage(), cause);
    }
}
