package io.stkbridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar stk-bridge.jar --help}: every environment variable with its default and a one-line meaning.
 * <p>
 * The list is not kept twice: it is read from the configuration tables of the README, which is packaged in the jar
 * ({@code help/README.md}). ConfigurationDocumentedTest keeps those tables true: every variable the code reads is in
 * them, and each default they state is the one application.properties applies.
 */
public final class Help {

    static final String README = "help/README.md";
    private static final Pattern VARIABLE_ROW = Pattern.compile("^`([A-Z][A-Z0-9_]*)`$");
    private static final Pattern GROUP_ROW = Pattern.compile("^\\*\\*(.+?)\\*\\*.*$");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z`(])");

    /** One variable: what the README's table says about it. */
    public record Variable(String group, String name, String defaultOrRequired, String meaning) {
    }

    private Help() {
    }

    public static boolean asked(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h") || arg.equals("-help")) {
                return true;
            }
        }
        return false;
    }

    public static void print(PrintStream out) {
        out.println("stk-bridge: Kafka payment intents in, M-Pesa Express (STK Push) through Daraja, outcome events out.");
        out.println();
        out.println("Usage: java -jar stk-bridge.jar          run it, configured by the environment variables below");
        out.println("       java -jar stk-bridge.jar --help   print this summary");
        out.println();
        out.println("A secret is read from its variable or from the file named by <VAR>_FILE, never from a properties file.");
        out.println("A configuration problem stops start-up with exit code 2 and names every variable at fault.");
        String group = null;
        for (Variable variable : variables(readme())) {
            if (!variable.group().equals(group)) {
                group = variable.group();
                out.println();
                out.println(group);
            }
            out.printf("  %-38s %s%n", variable.name(), variable.defaultOrRequired());
            out.println("      " + variable.meaning());
        }
        out.println();
        out.println("Any other Kafka client property: STK_KAFKA_PROPERTY_<NAME> (upper case, _ for .), for every client.");
        out.println("Tracing: the OpenTelemetry SDK's OTEL_* variables; off unless OTEL_TRACES_EXPORTER or an OTLP endpoint is set.");
        out.println("  Only the W3C trace context is propagated (to Daraja too) unless OTEL_PROPAGATORS names more.");
        out.println();
        out.println("README.md, Configuration and Operations, says more about each.");
    }

    static String readme() {
        try (InputStream in = Help.class.getClassLoader().getResourceAsStream(README)) {
            if (in == null) {
                throw new IllegalStateException(README + " is not in the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The variables of the README's "Configuration" section, in its order, grouped as its tables group them. */
    public static List<Variable> variables(String readme) {
        List<Variable> variables = new ArrayList<>();
        String section = "";
        String group = "";
        boolean inConfiguration = false;
        for (String line : readme.split("\n")) {
            if (line.startsWith("## ")) {
                inConfiguration = line.equals("## Configuration");
                continue;
            }
            if (!inConfiguration) {
                continue;
            }
            if (line.startsWith("### ")) {
                section = line.substring(4).trim();
                group = section.equals("Secrets") ? "Secrets (from VAR or VAR_FILE)" : section;
                continue;
            }
            if (!line.startsWith("|")) {
                continue;
            }
            List<String> cells = cells(line);
            if (cells.size() < 3) {
                continue;
            }
            Matcher groupRow = GROUP_ROW.matcher(cells.get(0));
            if (groupRow.matches() && cells.get(1).isEmpty()) {
                group = groupRow.group(1);
                continue;
            }
            Matcher variable = VARIABLE_ROW.matcher(cells.get(0));
            if (!variable.matches()) {
                continue;
            }
            String second = plain(cells.get(1));
            String defaultOrRequired = section.equals("Secrets") ? "required: " + second : "default: " + second;
            variables.add(new Variable(group, variable.group(1), defaultOrRequired, plain(firstSentence(cells.get(2)))));
        }
        return variables;
    }

    /** The cells of a Markdown table row; {@code \|} is a pipe inside a cell. */
    static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        String inner = row.trim();
        inner = inner.substring(1, inner.endsWith("|") && !inner.endsWith("\\|") ? inner.length() - 1 : inner.length());
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '\\' && i + 1 < inner.length() && inner.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }

    /** Markdown to plain text: code spans, emphasis and links keep only their text. */
    static String plain(String markdown) {
        return markdown.replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1")
                .replace("`", "")
                .replace("**", "")
                .trim();
    }

    static String firstSentence(String text) {
        String[] sentences = SENTENCE_END.split(text, 2);
        return sentences[0].trim();
    }
}
