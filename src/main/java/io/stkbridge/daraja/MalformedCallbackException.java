package io.stkbridge.daraja;

/** A request on the callback endpoint that is not a Daraja STK callback; answered 400, stored nowhere. */
public class MalformedCallbackException extends RuntimeException {

    public MalformedCallbackException(String message) {
        super(message);
    }
}
