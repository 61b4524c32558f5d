// Whether an address lies in an IP network given as its address bytes and a prefix length (hba rules, trace
// scopes).
package io.pgloom.util;

public final class Cidr {
    private Cidr() {}

    /** False when the families differ (an IPv4 address is never in an IPv6 network). */
    public static boolean contains(byte[] network, int prefix, byte[] ip) {
        if (ip.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (ip[i] != network[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = 0xff << (8 - rest) & 0xff;
        return (ip[full] & mask) == (network[full] & mask);
    }
}
