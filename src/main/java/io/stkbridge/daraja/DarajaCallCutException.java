package io.stkbridge.daraja;

import java.io.IOException;

/**
 * A Daraja call cut at its deadline ({@link DarajaExchangeDeadline}): what its blocked read or write threw once the
 * connection was closed under it (a {@code SocketException}, an aborted request) says nothing about why, so it is
 * replaced by this. An IOException like the failure it replaces: a push cut after its request started is UNKNOWN.
 */
public class DarajaCallCutException extends IOException {

    public DarajaCallCutException(long deadlineMillis, IOException failure) {
        super("cut at its deadline, STK_INTERRUPTED_PUSH_WAIT_MS = " + deadlineMillis + " ms after it started", failure);
    }
}
