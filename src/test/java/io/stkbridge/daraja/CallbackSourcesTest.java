package io.stkbridge.daraja;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallbackSourcesTest {

    @Test
    void anEmptyAllowlistAcceptsAnySource() {
        assertTrue(new CallbackSources("", false).permits("10.0.0.1:4000", null));
    }

    @Test
    void safaricomStandsForItsPublishedAddresses() {
        CallbackSources sources = new CallbackSources("safaricom, 127.0.0.1", false);
        assertTrue(sources.permits("196.201.214.200:5000", null));
        assertTrue(sources.permits("/127.0.0.1:5000", null));
        assertFalse(sources.permits("196.201.214.201:5000", null));
    }

    @Test
    void forwardedForIsBelievedOnlyWhenTrusted() {
        assertFalse(new CallbackSources("safaricom", false).permits("10.0.0.5:80", "196.201.214.200"));
        assertTrue(new CallbackSources("safaricom", true).permits("10.0.0.5:80", "196.201.214.200, 10.0.0.5"));
        assertFalse(new CallbackSources("safaricom", true).permits("196.201.214.200:80", "6.6.6.6"));
    }
}
