package io.stkbridge.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The ledger's SQL, kept in {@code src/main/resources/sql/<name>.sql}, one statement or fragment a file. */
final class Sql {

    private static final Map<String, String> FILES = new ConcurrentHashMap<>();
    /**
     * Each statement composed once, so that every use passes the same string: H2 looks its parsed statements up by the
     * SQL text, and a string composed anew has to be hashed and compared character by character again.
     */
    private static final Map<String, String> STATEMENTS = new ConcurrentHashMap<>();

    private Sql() {
    }

    static String of(String... names) {
        return STATEMENTS.computeIfAbsent(names.length == 1 ? names[0] : String.join("+", names), key -> compose(names));
    }

    /** The columns a {@code SELECT … FROM} statement selects, by name (as written), with their positions from 1. */
    static Map<String, Integer> selectedColumns(String name) {
        String select = of(name);
        String list = select.substring(select.indexOf("SELECT") + "SELECT".length(), select.indexOf("FROM")).strip();
        Map<String, Integer> positions = new HashMap<>();
        for (String column : list.split(",")) {
            positions.put(column.strip(), positions.size() + 1);
        }
        return Map.copyOf(positions);
    }

    private static String compose(String... names) {
        StringBuilder sql = new StringBuilder();
        for (String name : names) {
            sql.append(FILES.computeIfAbsent(name, Sql::load).strip()).append('\n');
        }
        return sql.toString();
    }

    private static String load(String name) {
        try (InputStream in = Sql.class.getClassLoader().getResourceAsStream("sql/" + name + ".sql")) {
            if (in == null) {
                throw new IllegalStateException("missing sql/" + name + ".sql");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
