package io.stkbridge.simulator;

import java.time.Duration;

final class Pause {

    private Pause() {
    }

    /** Sleeps; when close() interrupts, returns at once so the server thread can finish. */
    static void of(Duration duration) {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
