package io.stkbridge.testing;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every log line (with stack traces) written while installed, so a test can prove what never reaches the logs. */
public final class CapturedLogs extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> text = new CopyOnWriteArrayList<>();
    /** The layout of log4j2.properties' "text" appender (STK_LOG_FORMAT=text), if it is configured. */
    private final Layout<?> textLayout;

    private CapturedLogs(Layout<?> textLayout) {
        super("captured-logs", null, null, true, Property.EMPTY_ARRAY);
        this.textLayout = textLayout;
    }

    public static CapturedLogs install() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender textAppender = context.getConfiguration().getAppender("text");
        CapturedLogs appender = new CapturedLogs(textAppender == null ? null : textAppender.getLayout());
        appender.start();
        context.getConfiguration().getRootLogger().addAppender(appender, null, null);
        context.updateLoggers();
        return appender;
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getMessage().getFormattedMessage());
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

    public int size() {
        return lines.size();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
