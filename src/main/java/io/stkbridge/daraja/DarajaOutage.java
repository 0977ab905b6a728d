package io.stkbridge.daraja;

import io.stkbridge.kafka.IntakeBatches;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether Daraja can take pushes right now. A push that reaches nobody (unreachable, busy after the re-sends) starts a
 * pause: the intake route is suspended so intents wait in Kafka, and attempts already read wait in the ledger as
 * DEFERRED. After the pause the intake resumes and the deferred attempts are pushed again; a new failure starts a new
 * pause. Nothing is failed until an attempt has waited longer than the give-up time.
 */
public class DarajaOutage {

    private static final Logger LOG = LoggerFactory.getLogger(DarajaOutage.class);

    private final Clock clock;
    private final Duration pause;
    private final Duration giveUpAfter;
    private volatile Instant pausedUntil = Instant.MIN;

    public DarajaOutage(Clock clock, Duration pause, Duration giveUpAfter) {
        this.clock = clock;
        this.pause = pause;
        this.giveUpAfter = giveUpAfter;
    }

    public boolean isPaused() {
        return clock.instant().isBefore(pausedUntil);
    }

    /** Starts (or extends) a pause; returns when pushes may be tried again. */
    public Instant begin(String why) {
        Instant until = clock.instant().plus(pause);
        if (!isPaused()) {
            LOG.warn("Daraja unavailable ({}): pausing pushes and the intake for {} ms", why, pause.toMillis());
        }
        pausedUntil = until;
        return until;
    }

    public Instant resumesAt() {
        return pausedUntil;
    }

    public Duration giveUpAfter() {
        return giveUpAfter;
    }

    /** Suspends the intake while paused and resumes it afterwards; called on the deferred-pushes schedule. */
    public void controlIntake(CamelContext context) throws Exception {
        if (context.isStopping()) {
            // the shutdown has suspended the intake for good: never resume it now
            return;
        }
        ServiceStatus status = context.getRouteController().getRouteStatus(IntakeBatches.INTAKE_ROUTE);
        if (status == null) {
            return;
        }
        if (isPaused() && status.isStarted()) {
            context.getRouteController().suspendRoute(IntakeBatches.INTAKE_ROUTE);
            LOG.warn("Intake suspended while Daraja is unavailable: intents wait in Kafka");
        } else if (!isPaused() && status.isSuspended()) {
            context.getRouteController().resumeRoute(IntakeBatches.INTAKE_ROUTE);
            LOG.info("Intake resumed: trying Daraja again");
        }
    }
}
