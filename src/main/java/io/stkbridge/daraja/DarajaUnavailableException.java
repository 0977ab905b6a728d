package io.stkbridge.daraja;

/** Daraja could not be reached; the cause says whether anything was sent. */
public class DarajaUnavailableException extends RuntimeException {

    public DarajaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
