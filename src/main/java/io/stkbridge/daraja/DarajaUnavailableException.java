package io.stkbridge.daraja;

/** Daraja gave no access token (unreachable, or answering 5xx): nothing was pushed, and the push waits for a token. */
public class DarajaUnavailableException extends RuntimeException {

    public DarajaUnavailableException(String message) {
        super(message);
    }
}
