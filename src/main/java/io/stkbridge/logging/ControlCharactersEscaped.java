package io.stkbridge.logging;

import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.status.StatusLogger;

import java.util.List;

/**
 * {@code %escapeControls{pattern}} in a log4j2 pattern: what the pattern writes, with every control character escaped, so
 * that a value from a request (a callback's attempt id, a header) cannot start a line of its own in the text log and pass
 * for one the application wrote. CR, LF and tab become {@code \r}, {@code \n}, {@code \t}; every other control character
 * (C0, DEL, C1 such as NEL) and the Unicode line and paragraph separators become {@code \}{@code uXXXX}. Log4j's own
 * {@code %enc{…}{CRLF}} escapes CR and LF only. The JSON layout escapes these itself.
 */
@Plugin(name = "ControlCharactersEscaped", category = PatternConverter.CATEGORY)
@ConverterKeys({"escapeControls"})
public final class ControlCharactersEscaped extends LogEventPatternConverter {

    private final List<PatternFormatter> formatters;

    private ControlCharactersEscaped(List<PatternFormatter> formatters) {
        super("escapeControls", "escapeControls");
        this.formatters = formatters;
    }

    /** Called by log4j for {@code %escapeControls{pattern}}. */
    public static ControlCharactersEscaped newInstance(Configuration config, String[] options) {
        if (options == null || options.length != 1 || options[0] == null) {
            StatusLogger.getLogger().error("%escapeControls takes one pattern, as in %escapeControls{%m}");
            return null;
        }
        return new ControlCharactersEscaped(PatternLayout.createPatternParser(config).parse(options[0]));
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        int start = toAppendTo.length();
        for (PatternFormatter formatter : formatters) {
            formatter.format(event, toAppendTo);
        }
        escape(toAppendTo, start);
    }

    /** Escapes, in place, the control characters from {@code start} on. */
    static void escape(StringBuilder text, int start) {
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            String escaped = switch (c) {
                case '\r' -> "\\r";
                case '\n' -> "\\n";
                case '\t' -> "\\t";
                default -> Character.getType(c) == Character.CONTROL || c == '\u2028' || c == '\u2029'
                        ? String.format("\\u%04x", (int) c) : null;
            };
            if (escaped != null) {
                text.replace(i, i + 1, escaped);
                i += escaped.length() - 1;
            }
        }
    }
}
