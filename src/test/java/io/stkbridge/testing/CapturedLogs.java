package io.stkbridge.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every log line (with stack traces) written while installed, so a test can prove what never reaches the logs. */
public final class CapturedLogs extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong debugEvents = new java.util.concurrent.atomic.AtomicLong();
    private final List<String> text = new CopyOnWriteArrayList<>();
    /** The layout of log4j2.properties' "text" appender (STK_LOG_FORMAT=text), if it is configured. */
    private final Layout<?> textLayout;
    /** With {@link #installCapturingDebug()}: the root level to restore, and the console appenders kept at it. */
    private Level restoreLevel;
    private final List<Appender> consoles = new CopyOnWriteArrayList<>();

    private CapturedLogs(Layout<?> textLayout) {
        super("captured-logs", null, null, true, Property.EMPTY_ARRAY);
        this.textLayout = textLayout;
    }

    public static CapturedLogs install() {
        return install(null);
    }

    /**
     * Captures DEBUG as well, as an operator's STK_LOG_LEVEL=DEBUG would write it (libraries whose level
     * log4j2.properties sets keep it), while the console goes on showing what it showed before.
     */
    public static CapturedLogs installCapturingDebug() {
        return install(Level.DEBUG);
    }

    private static CapturedLogs install(Level captureLevel) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender textAppender = context.getConfiguration().getAppender("text");
        CapturedLogs appender = new CapturedLogs(textAppender == null ? null : textAppender.getLayout());
        appender.start();
        LoggerConfig root = context.getConfiguration().getRootLogger();
        if (captureLevel != null && !captureLevel.isMoreSpecificThan(root.getLevel())) {
            appender.restoreLevel = root.getLevel();
            for (Appender console : root.getAppenders().values()) {
                root.removeAppender(console.getName());
                root.addAppender(console, root.getLevel(), null);
                appender.consoles.add(console);
            }
            root.setLevel(captureLevel);
        }
        root.addAppender(appender, null, null);
        context.updateLoggers();
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLevel().isLessSpecificThan(Level.DEBUG)) {
            debugEvents.incrementAndGet();
        }
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getMessage().getFormattedMessage());
        // the logging context (MDC) is written by the JSON layout: it is part of what reaches the logs
        event.getContextData().forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
        if (event.getThrown() != null) {
            StringWriter trace = new StringWriter();
            event.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        lines.add(line.toString());
        if (textLayout != null) {
            text.add(String.valueOf(textLayout.toSerializable(event)));
        }
    }

    /** Each event as the text log format writes it (possibly several lines, with its line separator), in order. */
    public List<String> asText() {
        return List.copyOf(text);
    }

    public List<String> linesContaining(String text) {
        return lines.stream().filter(l -> l.contains(text)).toList();
    }

    /** None of these secrets is in the failure's stack trace, nor in any line logged so far. */
    public void assertAbsent(Throwable failure, List<String> secrets) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        for (String secret : secrets) {
            org.junit.jupiter.api.Assertions.assertFalse(trace.toString().contains(secret),
                    "a secret is in the start-up failure:\n" + trace);
            org.junit.jupiter.api.Assertions.assertEquals(List.of(), linesContaining(secret), "a secret was logged");
        }
    }

    /** Events at DEBUG or finer that were captured. */
    public long debugEvents() {
        return debugEvents.get();
    }

    public int size() {
        return lines.size();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(getName());
        if (restoreLevel != null) {
            root.setLevel(restoreLevel);
            for (Appender console : consoles) {
                root.removeAppender(console.getName());
                root.addAppender(console, null, null);
            }
        }
        context.updateLoggers();
        stop();
    }
}
