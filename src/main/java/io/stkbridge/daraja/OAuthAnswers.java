package io.stkbridge.daraja;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * Reads the answer of {@code GET /oauth/v1/generate}; {@code expires_in} is a string on the real wire and a number in the
 * docs. Only a 4xx answer refuses the credentials (400.008.* bad credentials or grant, 401, a wrong path): a
 * configuration error. A 5xx, 408 or 429, an HTML page or a 200 without a token is Daraja in trouble: nothing can be
 * pushed until a token can be had, and the push waits for it.
 */
public final class OAuthAnswers {

    private OAuthAnswers() {
    }

    public static DarajaTokenCache.AccessToken read(int httpStatus, String body) {
        JsonNode node = DarajaError.readTree(body);
        String token = node.path("access_token").asText("");
        if (httpStatus != 200 || token.isEmpty()) {
            String answer = DarajaError.parse(body).describe(httpStatus);
            if (refusesCredentials(httpStatus)) {
                throw new DarajaAuthException("Daraja refused the OAuth request: " + answer);
            }
            throw new DarajaUnavailableException("Daraja gave no OAuth token: " + answer);
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

    private static boolean refusesCredentials(int httpStatus) {
        return httpStatus >= 400 && httpStatus < 500 && httpStatus != 408 && httpStatus != 429;
    }
}
