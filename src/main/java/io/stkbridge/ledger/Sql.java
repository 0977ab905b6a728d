package io.stkbridge.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The ledger's SQL, kept in {@code src/main/resources/sql/<name>.sql}, one statement or fragment a file. */
final class Sql {

    private static final Map<String, String> STATEMENTS = new ConcurrentHashMap<>();

    private Sql() {
    }

    static String of(String... names) {
        StringBuilder sql = new StringBuilder();
        for (String name : names) {
            sql.append(STATEMENTS.computeIfAbsent(name, Sql::load).strip()).append('\n');
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
