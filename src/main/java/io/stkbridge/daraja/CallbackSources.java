package io.stkbridge.daraja;

import io.stkbridge.http.AddressRanges;
import io.stkbridge.http.ClientAddresses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Optional allowlist of the addresses callbacks may come from; {@code safaricom} stands for the union of Safaricom's
 * published callback source IPs. The client is found by {@link ClientAddresses} (trusted proxies, right-most
 * X-Forwarded-For entry that is not one).
 */
public class CallbackSources {

    static final List<String> SAFARICOM = List.of(
            "196.201.214.200", "196.201.214.206", "196.201.214.207", "196.201.214.208",
            "196.201.213.114", "196.201.213.44",
            "196.201.212.127", "196.201.212.128", "196.201.212.129", "196.201.212.132", "196.201.212.136",
            "196.201.212.138", "196.201.212.74", "196.201.212.69");

    private final AddressRanges allowed;
    private final ClientAddresses clients;

    public CallbackSources(AddressRanges allowed, ClientAddresses clients) {
        this.allowed = allowed;
        this.clients = clients;
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
        return allowed.isEmpty() || allowed.contains(clients.clientOf(remoteAddress, forwardedFor));
    }
}
