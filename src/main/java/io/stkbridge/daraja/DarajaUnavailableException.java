package io.stkbridge.daraja;

/** Daraja could not be reached before anything was pushed (the OAuth call failed). */
public class DarajaUnavailableException extends RuntimeException {

    public DarajaUnavailableException(String message) {
        super(message);
    }
}
