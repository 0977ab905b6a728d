package io.stkbridge.ledger;

import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The upgrade that moved the intent and the push request out of the attempt's row (V13) keeps both for every attempt. */
class AttemptRequestMigrationTest {

    @ParameterizedTest
    @ValueSource(strings = {"H2", "PostgreSQL"})
    void anUpgradedLedgerKeepsEveryAttemptsIntentAndPushRequestInTheirOwnTable(String database) throws Exception {
        try (TestLedger ledger = TestLedger.open(database, MigrationVersion.fromVersion("12"))) {
            OffsetDateTime at = OffsetDateTime.of(2026, 11, 1, 8, 0, 0, 0, ZoneOffset.UTC);
            ledger.execute("INSERT INTO stk_attempt (attempt_id, intent_id, intent_hash, order_id, intent_json, "
                    + "push_request_json, status, created_at, updated_at) VALUES ('pushed', 'i-1', 'h', 'o-1', "
                    + "'{\"intentId\":\"i-1\"}', '{\"Amount\":10}', 'SUCCEEDED', ?, ?)", at, at);
            ledger.execute("INSERT INTO stk_attempt (attempt_id, intent_id, intent_hash, order_id, intent_json, status, "
                    + "created_at, updated_at) VALUES ('rejected', 'i-2', 'h', 'o-2', '{\"intentId\":\"i-2\"}', 'REJECTED', ?, ?)",
                    at, at);

            ledger.migrate();

            assertEquals(List.of("pushed|{\"intentId\":\"i-1\"}|{\"Amount\":10}", "rejected|{\"intentId\":\"i-2\"}|null"),
                    ledger.column("SELECT attempt_id || '|' || intent_json || '|' || COALESCE(push_request_json, 'null') "
                            + "FROM stk_attempt_request ORDER BY attempt_id"));
            assertEquals(List.of("pushed", "rejected"), ledger.column("SELECT attempt_id FROM stk_attempt ORDER BY attempt_id"));
            assertThrows(IllegalStateException.class, () -> ledger.value("SELECT intent_json FROM stk_attempt"),
                    "the attempt's row no longer holds the intent");
        }
    }
}
