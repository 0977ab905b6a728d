package io.stkbridge.logging;

import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * {@code %escapedThrowable} in a log4j2 pattern: the event's exception as Java prints it (class and message, the stack
 * frames, causes and suppressed exceptions, each on its own line), with every message escaped as
 * {@link ControlCharactersEscaped} does. A message can carry a request's values (a path, a body); the default exception
 * output would let their CR and LF plant lines in the text log. Stack frames come from the code, not from requests.
 */
@Plugin(name = "EscapedThrowable", category = PatternConverter.CATEGORY)
@ConverterKeys({"escapedThrowable"})
public final class EscapedThrowable extends LogEventPatternConverter {

    private EscapedThrowable() {
        super("escapedThrowable", "throwable");
    }

    /** Called by log4j for {@code %escapedThrowable}. */
    public static EscapedThrowable newInstance(String[] options) {
        return new EscapedThrowable();
    }

    /** Keeps log4j from appending its own, unescaped, exception output. */
    @Override
    public boolean handlesThrowable() {
        return true;
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        if (event.getThrown() != null) {
            write(event.getThrown(), "", "", toAppendTo, Collections.newSetFromMap(new IdentityHashMap<>()));
        }
    }

    private static void write(Throwable thrown, String caption, String indent, StringBuilder out, Set<Throwable> seen) {
        if (!seen.add(thrown)) {
            out.append(indent).append(caption).append("[CIRCULAR REFERENCE: ").append(thrown.getClass().getName())
                    .append(']').append(System.lineSeparator());
            return;
        }
        int start = out.length();
        out.append(thrown);
        ControlCharactersEscaped.escape(out, start);
        out.insert(start, indent + caption).append(System.lineSeparator());
        for (StackTraceElement frame : thrown.getStackTrace()) {
            out.append(indent).append("\tat ").append(frame).append(System.lineSeparator());
        }
        for (Throwable suppressed : thrown.getSuppressed()) {
            write(suppressed, "Suppressed: ", indent + "\t", out, seen);
        }
        if (thrown.getCause() != null) {
            write(thrown.getCause(), "Caused by: ", indent, out, seen);
        }
    }
}
