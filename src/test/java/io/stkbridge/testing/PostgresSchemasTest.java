package io.stkbridge.testing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only a server that does not answer may skip the PostgreSQL tests; one that refuses the login fails them. */
class PostgresSchemasTest {

    @Test
    void aServerThatRefusesTheLoginFailsInsteadOfSkipping() throws Exception {
        // reachable at all? (skipped here, or failed under STK_REQUIRE_POSTGRES, exactly like the PostgreSQL tests)
        PostgresSchemas.createOrSkip().close();
        String url = System.getenv().getOrDefault("STK_TEST_PG_URL", PostgresSchemas.DEFAULT_URL);
        AssertionError refused = assertThrows(AssertionError.class,
                () -> PostgresSchemas.createOrSkip(url, "stk_no_such_role", "wrong"));
        assertTrue(refused.getMessage().contains("refused stk_no_such_role"), refused.getMessage());
    }
}
