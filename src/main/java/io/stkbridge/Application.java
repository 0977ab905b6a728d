package io.stkbridge;

import org.apache.camel.main.Main;

/** stk-bridge: Kafka payment intents in, M-Pesa STK Push out, outcome events back to Kafka. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(StkBridgeConfiguration.class);
        main.run(args);
    }
}
