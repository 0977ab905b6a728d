package io.stkbridge.daraja;

/** A callback whose URL token does not authenticate it: it changes nothing and is answered without detail. */
public class CallbackRejectedException extends RuntimeException {

    public CallbackRejectedException() {
        super("callback token rejected");
    }
}
