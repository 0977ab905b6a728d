package io.stkbridge.daraja;

import io.stkbridge.http.AddressRanges;
import io.stkbridge.http.ClientAddresses;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallbackSourcesTest {

    private static CallbackSources sources(String allowlist, String proxies) {
        List<String> problems = new ArrayList<>();
        CallbackSources sources = new CallbackSources(CallbackSources.allowlist(allowlist, problems), new ClientAddresses(
                AddressRanges.parse(proxies.isEmpty() ? List.of() : List.of(proxies.split(",")), "STK_TRUSTED_PROXIES", problems)));
        assertEquals(List.of(), problems);
        return sources;
    }

    @Test
    void anEmptyAllowlistAcceptsAnySource() {
        assertTrue(sources("", "").permits("10.0.0.1:4000", null));
    }

    @Test
    void safaricomStandsForItsPublishedAddressesAndRangesAreAccepted() {
        CallbackSources sources = sources("safaricom, 127.0.0.1, 10.1.0.0/16", "");
        assertTrue(sources.permits("196.201.214.200:5000", null));
        assertTrue(sources.permits("/127.0.0.1:5000", null));
        assertTrue(sources.permits("10.1.200.3:5000", null));
        assertFalse(sources.permits("196.201.214.201:5000", null));
        assertFalse(sources.permits("10.2.0.1:5000", null));
    }

    @Test
    void forwardedForCountsOnlyFromATrustedProxyAndOnlyItsRightMostUntrustedEntry() {
        CallbackSources sources = sources("safaricom", "10.0.0.0/8");
        assertTrue(sources.permits("10.0.0.5:80", "196.201.214.200"), "the proxy saw Safaricom");
        assertTrue(sources.permits("10.0.0.5:80", "6.6.6.6, 196.201.214.200, 10.0.0.9"),
                "a client-written entry left of what the proxies appended is ignored");
        assertFalse(sources.permits("10.0.0.5:80", "196.201.214.200, 6.6.6.6"),
                "the attacker wrote the first entry; the proxy appended the attacker's address");
        assertFalse(sources.permits("6.6.6.6:80", "196.201.214.200"), "a peer that is no proxy cannot speak for others");
        assertFalse(sources.permits("10.0.0.5:80", "not-an-address"));
        ClientAddresses clients = new ClientAddresses(AddressRanges.parse(List.of("10.0.0.0/8"), "STK_TRUSTED_PROXIES",
                new ArrayList<>()));
        assertEquals("10.0.0.5", clients.clientOf("10.0.0.5:80", null), "no header: the proxy itself");
        assertEquals("6.6.6.6", clients.clientOf("/10.0.0.5:80", "1.1.1.1, 6.6.6.6, 10.0.0.9"), "the right-most untrusted");
    }

    @Test
    void entriesThatAreNotAddressesAreNamed() {
        List<String> problems = new ArrayList<>();
        AddressRanges.parse(List.of("10.0.0.0/33", "proxy.example.com", "fe80::/64"), "STK_TRUSTED_PROXIES", problems);
        assertEquals(List.of("STK_TRUSTED_PROXIES: '10.0.0.0/33' is not an IP address or CIDR range",
                "STK_TRUSTED_PROXIES: 'proxy.example.com' is not an IP address or CIDR range"), problems);
    }
}
