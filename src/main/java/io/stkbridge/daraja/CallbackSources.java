package io.stkbridge.daraja;

import io.stkbridge.http.AddressRanges;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Optional allowlist of the addresses callbacks may come from; {@code safaricom} stands for the union of Safaricom's
 * published callback source IPs. The client is the peer itself, unless the peer is one of the trusted proxies
 * (STK_TRUSTED_PROXIES): then it is the right-most X-Forwarded-For entry that is not a trusted proxy. Proxies append
 * what they saw, so entries further left were written by the client and prove nothing.
 */
public class CallbackSources {

    static final List<String> SAFARICOM = List.of(
            "196.201.214.200", "196.201.214.206", "196.201.214.207", "196.201.214.208",
            "196.201.213.114", "196.201.213.44",
            "196.201.212.127", "196.201.212.128", "196.201.212.129", "196.201.212.132", "196.201.212.136",
            "196.201.212.138", "196.201.212.74", "196.201.212.69");

    private final AddressRanges allowed;
    private final AddressRanges trustedProxies;

    public CallbackSources(AddressRanges allowed, AddressRanges trustedProxies) {
        this.allowed = allowed;
        this.trustedProxies = trustedProxies;
    }

    /** STK_CALLBACK_ALLOWED_IPS: IPs and CIDRs, with {@code safaricom} for Safaricom's published list. */
    public static AddressRanges allowlist(String configured, List<String> problems) {
        List<String> entries = new ArrayList<>();
        Arrays.stream(configured == null ? new String[0] : configured.split(","))
                .map(String::trim).filter(entry -> !entry.isEmpty())
                .forEach(entry -> entries.addAll(entry.equalsIgnoreCase("safaricom") ? SAFARICOM : List.of(entry)));
        return AddressRanges.parse(entries, "STK_CALLBACK_ALLOWED_IPS", problems);
    }

    /**
     * @param remoteAddress the peer as {@code host:port} (or {@code /host:port})
     * @param forwardedFor  the request's own X-Forwarded-For header(s), comma-separated, or null
     */
    public boolean permits(String remoteAddress, String forwardedFor) {
        return allowed.isEmpty() || allowed.contains(client(host(remoteAddress), forwardedFor));
    }

    /** The address the request came from, as far as the proxies the deployment trusts can tell. */
    String client(String peer, String forwardedFor) {
        if (!trustedProxies.contains(peer) || forwardedFor == null || forwardedFor.isBlank()) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!trustedProxies.contains(hop)) {
                return hop;
            }
        }
        return hops[0].trim();      // every hop is a trusted proxy: the first one saw the client
    }

    private static String host(String remoteAddress) {
        if (remoteAddress == null) {
            return "";
        }
        String address = remoteAddress.startsWith("/") ? remoteAddress.substring(1) : remoteAddress;
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            return end > 0 ? address.substring(1, end) : address;
        }
        int port = address.lastIndexOf(':');
        return port > 0 && address.indexOf(':') == port ? address.substring(0, port) : address;
    }
}
