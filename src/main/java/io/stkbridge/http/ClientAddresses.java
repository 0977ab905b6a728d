package io.stkbridge.http;

/**
 * Who a request came from, as far as the proxies the deployment trusts (STK_TRUSTED_PROXIES) can tell: the peer itself,
 * unless the peer is a trusted proxy; then the right-most X-Forwarded-For entry that is not a trusted proxy. Proxies
 * append what they saw, so entries further left were written by the client and prove nothing. Every decision on a
 * client's address (the callback allowlist, sign-in throttling) goes through here.
 */
public class ClientAddresses {

    private final AddressRanges trustedProxies;

    public ClientAddresses(AddressRanges trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /**
     * @param remoteAddress the peer as {@code host:port} (or {@code /host:port})
     * @param forwardedFor  the request's own X-Forwarded-For header(s), comma-separated, or null
     */
    public String clientOf(String remoteAddress, String forwardedFor) {
        String peer = host(remoteAddress);
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
