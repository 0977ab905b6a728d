package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/** Reads the answer of {@code GET /oauth/v1/generate}; {@code expires_in} is a string on the real wire and a number in the docs. */
public final class OAuthAnswers {

    private OAuthAnswers() {
    }

    public static DarajaTokenCache.AccessToken read(int httpStatus, String body) {
        JsonNode node = DarajaError.readTree(body);
        String token = node.path("access_token").asText("");
        if (httpStatus != 200 || token.isEmpty()) {
            throw new DarajaAuthException("Daraja refused the OAuth request: " + DarajaError.parse(body).describe(httpStatus));
        }
        JsonNode expiresIn = node.path("expires_in");
        long seconds;
        try {
            seconds = expiresIn.isNumber() ? expiresIn.asLong() : Long.parseLong(expiresIn.asText().trim());
        } catch (NumberFormatException e) {
            seconds = 3599;
        }
        return new DarajaTokenCache.AccessToken(token, Duration.ofSeconds(seconds));
    }
}
