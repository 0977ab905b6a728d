package io.stkbridge.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ApiAccessTest {

    @Test
    void apiKeysShorterThan32CharactersStopStartUpNamingTheVariableNeverTheKey() {
        List<String> problems = new ArrayList<>();
        ApiAccess.configure("short-operator-key", "0123456789abcdef0123456789abcdef", "", Clock.systemUTC(), problems);
        assertEquals(List.of("STK_API_OPERATOR_KEY must be at least 32 characters (for example: openssl rand -hex 16)"), problems);
    }

    @Test
    void anUnknownUserIsRefusedLikeAWrongPassword() {
        List<String> problems = new ArrayList<>();
        ApiAccess access = ApiAccess.configure("", "", "amina:operator:" + PasswordHashes.hash("right".toCharArray()),
                Clock.systemUTC(), problems);
        assertEquals(List.of(), problems);
        for (String credentials : List.of("nobody:right", "amina:wrong", "no-colon")) {
            String header = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
            assertThrows(ApiAccess.UnauthorizedException.class, () -> access.authenticate(header, null), credentials);
        }
        assertEquals("amina", access.authenticate("Basic " + Base64.getEncoder().encodeToString(
                "amina:right".getBytes(StandardCharsets.UTF_8)), null).name());
    }
}
