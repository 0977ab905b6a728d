package io.stkbridge.daraja;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Optional allowlist of the addresses callbacks may come from. {@code safaricom} stands for the union of Safaricom's
 * published callback source IPs. X-Forwarded-For is believed only when the deployment says a trusted proxy sets it,
 * and then only its first (client) entry.
 */
public class CallbackSources {

    static final List<String> SAFARICOM = List.of(
            "196.201.214.200", "196.201.214.206", "196.201.214.207", "196.201.214.208",
            "196.201.213.114", "196.201.213.44",
            "196.201.212.127", "196.201.212.128", "196.201.212.129", "196.201.212.132", "196.201.212.136",
            "196.201.212.138", "196.201.212.74", "196.201.212.69");

    private final Set<String> allowed;
    private final boolean trustForwardedFor;

    public CallbackSources(String allowlist, boolean trustForwardedFor) {
        this.trustForwardedFor = trustForwardedFor;
        this.allowed = new LinkedHashSet<>();
        Arrays.stream(allowlist == null ? new String[0] : allowlist.split(","))
                .map(String::trim).filter(entry -> !entry.isEmpty())
                .forEach(entry -> allowed.addAll(entry.equalsIgnoreCase("safaricom") ? SAFARICOM : List.of(entry)));
    }

    /** @param remoteAddress the peer as {@code host:port} (or {@code /host:port}) */
    public boolean permits(String remoteAddress, String forwardedFor) {
        if (allowed.isEmpty()) {
            return true;
        }
        String client = trustForwardedFor && forwardedFor != null && !forwardedFor.isBlank()
                ? forwardedFor.split(",")[0].trim()
                : host(remoteAddress);
        return allowed.contains(client);
    }

    private static String host(String remoteAddress) {
        if (remoteAddress == null) {
            return "";
        }
        String address = remoteAddress.startsWith("/") ? remoteAddress.substring(1) : remoteAddress;
        int port = address.lastIndexOf(':');
        return port > 0 && address.indexOf(':') == port ? address.substring(0, port) : address;
    }
}
