package io.stkbridge;

import io.stkbridge.ledger.LedgerInconsistentException;
import org.apache.camel.main.Main;

/** stk-bridge: Kafka payment intents in, M-Pesa STK Push out, outcome events back to Kafka. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        if (Help.asked(args)) {
            Help.print(System.out);
            return;
        }
        Main main = new Main();
        main.configure().addConfiguration(StkBridgeConfiguration.class);
        try {
            main.run(args);
        } catch (Exception e) {
            IllegalStateException refused = findCause(e, ConfigurationException.class);
            if (refused == null) {
                refused = findCause(e, LedgerInconsistentException.class);
            }
            if (refused == null) {
                throw e;
            }
            System.err.println(refused.getMessage());
            System.exit(2);
        }
    }

    private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
