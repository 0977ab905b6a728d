package io.stkbridge.daraja;

/** Daraja refused the app's consumer key/secret: a configuration problem, never retried blindly. */
public class DarajaAuthException extends RuntimeException {

    public DarajaAuthException(String message) {
        super(message);
    }
}
