package io.stkbridge.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A list of IP addresses and CIDR ranges ({@code 10.0.0.0/8}, {@code 196.201.214.200}, {@code ::1}), as configured.
 * Only IP literals are read: a name is never looked up, so a header cannot make the bridge resolve anything.
 */
public final class AddressRanges {

    private final List<IpSubnetFilterRule> ranges;

    private AddressRanges(List<IpSubnetFilterRule> ranges) {
        this.ranges = ranges;
    }

    public static AddressRanges none() {
        return new AddressRanges(List.of());
    }

    /**
     * @param entries IPs or CIDRs; {@code problems} receives each entry that is neither, naming {@code setting}
     */
    public static AddressRanges parse(List<String> entries, String setting, List<String> problems) {
        List<IpSubnetFilterRule> ranges = new ArrayList<>();
        for (String entry : entries) {
            int slash = entry.indexOf('/');
            String ip = slash < 0 ? entry : entry.substring(0, slash);
            Optional<InetAddress> address = literal(ip);
            Integer prefix = slash < 0 ? null : prefix(entry.substring(slash + 1));
            int bits = address.map(a -> a.getAddress().length * 8).orElse(0);
            if (address.isEmpty() || (slash >= 0 && (prefix == null || prefix > bits))) {
                problems.add(setting + ": '" + entry + "' is not an IP address or CIDR range");
                continue;
            }
            ranges.add(new IpSubnetFilterRule(address.get(), prefix == null ? bits : prefix, IpFilterRuleType.ACCEPT));
        }
        return new AddressRanges(List.copyOf(ranges));
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether the address (an IP literal) is in one of the ranges; anything else is in none. */
    public boolean contains(String address) {
        Optional<InetAddress> ip = literal(address);
        return ip.isPresent() && ranges.stream().anyMatch(range -> range.matches(new InetSocketAddress(ip.get(), 0)));
    }

    /** An IP literal as an address, without any name look-up; empty for anything else. */
    static Optional<InetAddress> literal(String text) {
        String candidate = text == null ? "" : text.strip();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(candidate);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static Integer prefix(String text) {
        try {
            int prefix = Integer.parseInt(text);
            return prefix < 0 ? null : prefix;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
